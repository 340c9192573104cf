//===- backend.h - Where state and weights live, how entry points run -*- C++ -*-===//
//
// The module and session logic is device-agnostic: it talks only to this
// interface. A backend owns device memory (state buffers, copied weights,
// per-call staging for tokens/positions/outputs) and launches entry points.
// The CPU backend lives in cpu/, the CUDA backend in cuda/ (device pointers
// in the descriptors).
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_BACKEND_H
#define HYBRIDRT_BACKEND_H

#include "hybrid/abi.h"
#include "runtime/src/status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hyb {

/// A block of device memory. |owned| buffers are released by the backend;
/// others alias memory someone else keeps alive (e.g. a weight mapping).
struct DeviceBuffer {
  void *ptr = nullptr;
  uint64_t bytes = 0;
  bool owned = false;
};

/// `void SYMBOL(void **args, const hyb_env_t *env)`: the entry point ABI of
/// docs/ABI.md.
using EntryFn = void (*)(void **, const hyb_env_t *);

/// The device code of an artifact (CUDA: hybrid_cuda_cubin and
/// hybrid_cuda_ptx), with the manifest's target.kernels: kernel i of
/// hyb_device_ops_t.launch is the function kernels[i] of the images.
struct DeviceCode {
  const void *cubin = nullptr;
  uint64_t cubinBytes = 0;
  const char *ptx = nullptr;
  std::string arch; // "sm_90a": what the cubin was built for
  std::vector<std::string> kernels;
  /// Whether every kernel waits for the grid before it at its entry (the
  /// manifest's target.kernels_wait_for_prior_grid).
  bool kernelsWaitForPriorGrid = false;
};

/// What a launch may do beyond running the entry point once.
struct LaunchInfo {
  /// The entry point's name, for messages.
  const char *entryName = "";
  /// The entry point advances by a fixed token count (decode): the same
  /// function with the same descriptors does the same device work, so a
  /// device backend may capture it once and replay it (CUDA graphs).
  bool replayable = false;
  /// The descriptors' words (pointers and sizes): with the function, what
  /// a replay must match.
  const int64_t *descriptorWords = nullptr;
  size_t numDescriptorWords = 0;
};

struct BackendOptions {
  int32_t numThreads = 0;     // 0 = the artifact's default
  void *artifactHandle = nullptr; // dlopen handle, for threading hooks
};

class Backend {
public:
  virtual ~Backend() = default;
  virtual hyb_device_t device() const = 0;
  virtual const char *name() const = 0;

  /// Allocates |bytes| of zeroed device memory (64-byte aligned).
  virtual hyb_status_t allocate(uint64_t bytes, DeviceBuffer *out) = 0;
  /// Releases |buffer| if owned and clears it.
  virtual void release(DeviceBuffer &buffer) = 0;
  virtual hyb_status_t zero(DeviceBuffer &buffer) = 0;
  virtual hyb_status_t copyToHost(const DeviceBuffer &src, void *dst,
                                  uint64_t bytes) = 0;
  virtual hyb_status_t copyFromHost(DeviceBuffer &dst, const void *src,
                                    uint64_t bytes) = 0;
  virtual hyb_status_t copyBuffer(DeviceBuffer &dst,
                                  const DeviceBuffer &src) = 0;
  /// Bytes [offset, offset + bytes) of |src| to |dst| / of |dst| from |src|
  /// (one sequence's slice of a state buffer).
  virtual hyb_status_t readRange(const DeviceBuffer &src, uint64_t offset,
                                 void *dst, uint64_t bytes) = 0;
  virtual hyb_status_t writeRange(DeviceBuffer &dst, uint64_t offset,
                                  const void *src, uint64_t bytes) = 0;
  /// A host pointer to |buffer| if the host can write it directly (CPU),
  /// else null (then fill it with copyFromHost).
  virtual void *hostAccess(DeviceBuffer &buffer) = 0;

  /// Makes read-only host data (a weight in a mapped file, kept alive by the
  /// caller for as long as |out| is used) available to entry points. May
  /// alias it when |host| is aligned to |alignment| (CPU), else copies.
  virtual hyb_status_t bindHostData(const void *host, uint64_t bytes,
                                    uint64_t alignment, DeviceBuffer *out) = 0;

  /// Per-call inputs and outputs. |scratch| is a buffer the caller keeps
  /// between calls; the backend grows it as needed. The returned pointer is
  /// what goes in the descriptor.
  /// A device backend keeps |scratch|'s pointer while it is big enough, so
  /// that a replayed decode step (CUDA graph) sees the same descriptors.
  /// Copies are ordered on the session's stream (|env|).
  virtual hyb_status_t stageInput(const hyb_env_t *env, const void *host,
                                  uint64_t bytes, DeviceBuffer &scratch,
                                  void **out_device) = 0;
  virtual hyb_status_t stageOutput(const hyb_env_t *env, void *host,
                                   uint64_t bytes, DeviceBuffer &scratch,
                                   void **out_device) = 0;
  /// After synchronize(): brings an output staged at |device| back to
  /// |host|.
  virtual hyb_status_t finishOutput(const hyb_env_t *env, void *host,
                                    const void *device, uint64_t bytes) = 0;

  /// Loads an artifact's device code; the CPU backend runs none.
  virtual hyb_status_t loadDeviceCode(const DeviceCode &code) {
    return error(HYB_STATUS_INVALID_ARGUMENT, "the ", name(),
                 " backend runs no device code");
  }

  /// Fills what the backend owns of a session's environment: device,
  /// stream, BLAS handle, workspace, device ops (the session sets the
  /// rest). releaseEnv() undoes it, also after a failed initEnv().
  virtual hyb_status_t initEnv(hyb_env_t *env) = 0;
  virtual void releaseEnv(hyb_env_t *env) {}
  /// Runs |fn| with descriptor pointers |args| and |env|. May return before
  /// the work completes (a device backend enqueues it on env->stream): the
  /// descriptors may be freed on return, the buffers they point to not
  /// before synchronize().
  virtual hyb_status_t launch(EntryFn fn, void **args, const hyb_env_t *env,
                              const LaunchInfo &info) = 0;
  /// Waits for every launch of the session of |env| so far; reports a
  /// failure that happened while one ran.
  virtual hyb_status_t synchronize(const hyb_env_t *env) = 0;
};

/// Creates the backend for |device|; UNIMPLEMENTED if it was not built.
hyb_status_t createBackend(hyb_device_t device, const BackendOptions &options,
                           std::unique_ptr<Backend> *out);

} // namespace hyb

#endif // HYBRIDRT_BACKEND_H
