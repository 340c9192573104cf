//===- backend.h - Where state and weights live, how entry points run -*- C++ -*-===//
//
// The module and session logic is device-agnostic: it talks only to this
// interface. A backend owns device memory (state buffers, copied weights,
// per-call staging for tokens/positions/outputs) and launches entry points.
// The CPU backend lives in cpu/; a CUDA backend would be a cuda/ folder that
// implements the same interface (device pointers in the descriptors).
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_BACKEND_H
#define HYBRIDRT_BACKEND_H

#include "hybrid/abi.h"
#include "runtime/src/status.h"

#include <cstdint>
#include <memory>

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
  virtual hyb_status_t stageInput(const void *host, uint64_t bytes,
                                  DeviceBuffer &scratch, void **out_device) = 0;
  virtual hyb_status_t stageOutput(void *host, uint64_t bytes,
                                   DeviceBuffer &scratch,
                                   void **out_device) = 0;
  /// After synchronize(): brings an output staged at |device| back to
  /// |host|.
  virtual hyb_status_t finishOutput(void *host, const void *device,
                                    uint64_t bytes) = 0;

  /// Fills what the backend owns of a session's environment: device,
  /// stream, BLAS handle, workspace (the session sets the rest).
  virtual void initEnv(hyb_env_t *env) = 0;
  /// Runs |fn| with descriptor pointers |args| and |env|. May return before
  /// the work completes (a device backend enqueues it on env->stream): the
  /// descriptors may be freed on return, the buffers they point to not
  /// before synchronize().
  virtual hyb_status_t launch(EntryFn fn, void **args,
                              const hyb_env_t *env) = 0;
  /// Waits for every launch so far; reports a failure that happened while
  /// one ran.
  virtual hyb_status_t synchronize() = 0;
};

/// Creates the backend for |device|; UNIMPLEMENTED if it was not built.
hyb_status_t createBackend(hyb_device_t device, const BackendOptions &options,
                           std::unique_ptr<Backend> *out);

} // namespace hyb

#endif // HYBRIDRT_BACKEND_H
