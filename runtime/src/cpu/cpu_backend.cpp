//===- cpu_backend.cpp - The host backend ---------------------------------===//

#include "runtime/src/cpu/cpu_backend.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

namespace hyb {

namespace {

constexpr uint64_t kAlignment = 64;

class CpuBackend final : public Backend {
public:
  explicit CpuBackend(const BackendOptions &options)
      : numThreads_(options.numThreads) {
    // Entry points may use OpenMP; if the artifact links it, size its pool.
    if (options.numThreads > 0 && options.artifactHandle) {
      using SetFn = void (*)(int);
      if (auto set = reinterpret_cast<SetFn>(
              dlsym(options.artifactHandle, "omp_set_num_threads")))
        set(options.numThreads);
    }
  }

  hyb_device_t device() const override { return HYB_DEVICE_CPU; }
  const char *name() const override { return "cpu"; }

  hyb_status_t allocate(uint64_t bytes, DeviceBuffer *out) override {
    uint64_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded == 0)
      rounded = kAlignment;
    void *p = std::aligned_alloc(kAlignment, rounded);
    if (!p)
      return error(HYB_STATUS_OUT_OF_MEMORY, "cpu backend: cannot allocate ",
                   bytes, " bytes");
    std::memset(p, 0, rounded);
    *out = {p, bytes, true};
    return nullptr;
  }

  void release(DeviceBuffer &buffer) override {
    if (buffer.owned)
      std::free(buffer.ptr);
    buffer = {};
  }

  hyb_status_t zero(DeviceBuffer &buffer) override {
    if (buffer.bytes)
      std::memset(buffer.ptr, 0, buffer.bytes);
    return nullptr;
  }

  hyb_status_t copyToHost(const DeviceBuffer &src, void *dst,
                          uint64_t bytes) override {
    if (bytes > src.bytes)
      return error(HYB_STATUS_INTERNAL, "cpu backend: copy of ", bytes,
                   " bytes from a ", src.bytes, "-byte buffer");
    if (bytes)
      std::memcpy(dst, src.ptr, bytes);
    return nullptr;
  }

  hyb_status_t copyFromHost(DeviceBuffer &dst, const void *src,
                            uint64_t bytes) override {
    if (bytes > dst.bytes)
      return error(HYB_STATUS_INTERNAL, "cpu backend: copy of ", bytes,
                   " bytes into a ", dst.bytes, "-byte buffer");
    if (bytes)
      std::memcpy(dst.ptr, src, bytes);
    return nullptr;
  }

  hyb_status_t copyBuffer(DeviceBuffer &dst, const DeviceBuffer &src) override {
    if (dst.bytes != src.bytes)
      return error(HYB_STATUS_INTERNAL, "cpu backend: copy between buffers of ",
                   src.bytes, " and ", dst.bytes, " bytes");
    if (src.bytes)
      std::memcpy(dst.ptr, src.ptr, src.bytes);
    return nullptr;
  }

  hyb_status_t readRange(const DeviceBuffer &src, uint64_t offset, void *dst,
                         uint64_t bytes) override {
    if (offset > src.bytes || bytes > src.bytes - offset)
      return error(HYB_STATUS_INTERNAL, "cpu backend: read of [", offset,
                   ", +", bytes, ") from a ", src.bytes, "-byte buffer");
    if (bytes)
      std::memcpy(dst, static_cast<const char *>(src.ptr) + offset, bytes);
    return nullptr;
  }

  hyb_status_t writeRange(DeviceBuffer &dst, uint64_t offset, const void *src,
                          uint64_t bytes) override {
    if (offset > dst.bytes || bytes > dst.bytes - offset)
      return error(HYB_STATUS_INTERNAL, "cpu backend: write of [", offset,
                   ", +", bytes, ") into a ", dst.bytes, "-byte buffer");
    if (bytes)
      std::memcpy(static_cast<char *>(dst.ptr) + offset, src, bytes);
    return nullptr;
  }

  void *hostAccess(DeviceBuffer &buffer) override { return buffer.ptr; }

  hyb_status_t bindHostData(const void *host, uint64_t bytes,
                            uint64_t alignment, DeviceBuffer *out) override {
    if (alignment <= 1 || reinterpret_cast<uintptr_t>(host) % alignment == 0) {
      *out = {const_cast<void *>(host), bytes, false}; // zero-copy
      return nullptr;
    }
    HYB_RETURN_IF_ERROR(allocate(bytes, out));
    std::memcpy(out->ptr, host, bytes);
    return nullptr;
  }

  hyb_status_t stageInput(const hyb_env_t *, const void *host, uint64_t,
                          DeviceBuffer &, void **out_device) override {
    *out_device = const_cast<void *>(host);
    return nullptr;
  }

  hyb_status_t stageOutput(const hyb_env_t *, void *host, uint64_t,
                           DeviceBuffer &, void **out_device) override {
    *out_device = host;
    return nullptr;
  }

  hyb_status_t finishOutput(const hyb_env_t *, void *host,
                            const void *device, uint64_t bytes) override {
    if (host != device && bytes)
      std::memcpy(host, device, bytes);
    return nullptr;
  }

  hyb_status_t initEnv(hyb_env_t *env) override {
    env->device = HYB_DEVICE_CPU;
    env->num_threads = numThreads_;
    return nullptr;
  }

  // Host code runs to completion: the launch is synchronous.
  hyb_status_t launch(EntryFn fn, void **args, const hyb_env_t *env,
                      const LaunchInfo &) override {
    fn(args, env);
    return nullptr;
  }

  hyb_status_t synchronize(const hyb_env_t *) override { return nullptr; }

private:
  int32_t numThreads_ = 0;
};

} // namespace

std::unique_ptr<Backend> createCpuBackend(const BackendOptions &options) {
  return std::make_unique<CpuBackend>(options);
}

} // namespace hyb
