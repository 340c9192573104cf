//===- cuda_driver.cpp - Loading libcuda.so.1 -----------------------------===//

#include "runtime/src/cuda/cuda_driver.h"

#include <dlfcn.h>
#include <mutex>

namespace hyb {
namespace cu {

namespace {

struct Loaded {
  Driver driver = {};
  hyb_status_t failure = nullptr; // kept for every later caller; never freed
};

/// Resolves every function of |d| from |lib|; the name of the first
/// missing symbol, or null.
const char *resolve(void *lib, Driver &d) {
  struct Entry {
    void **slot;
    const char *symbol;
  };
#define HYB_CU(field, symbol) {reinterpret_cast<void **>(&d.field), symbol}
  const Entry entries[] = {
      HYB_CU(init, "cuInit"),
      HYB_CU(driverGetVersion, "cuDriverGetVersion"),
      HYB_CU(getErrorName, "cuGetErrorName"),
      HYB_CU(getErrorString, "cuGetErrorString"),
      HYB_CU(deviceGetCount, "cuDeviceGetCount"),
      HYB_CU(deviceGet, "cuDeviceGet"),
      HYB_CU(deviceGetName, "cuDeviceGetName"),
      HYB_CU(deviceGetAttribute, "cuDeviceGetAttribute"),
      HYB_CU(devicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"),
      HYB_CU(devicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2"),
      HYB_CU(ctxSetCurrent, "cuCtxSetCurrent"),
      HYB_CU(deviceGetDefaultMemPool, "cuDeviceGetDefaultMemPool"),
      HYB_CU(memPoolSetAttribute, "cuMemPoolSetAttribute"),
      HYB_CU(memAlloc, "cuMemAlloc_v2"),
      HYB_CU(memFree, "cuMemFree_v2"),
      HYB_CU(memAllocAsync, "cuMemAllocAsync"),
      HYB_CU(memFreeAsync, "cuMemFreeAsync"),
      HYB_CU(memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2"),
      HYB_CU(memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2"),
      HYB_CU(memcpyDtoDAsync, "cuMemcpyDtoDAsync_v2"),
      HYB_CU(memsetD8Async, "cuMemsetD8Async"),
      HYB_CU(streamCreate, "cuStreamCreate"),
      HYB_CU(streamDestroy, "cuStreamDestroy_v2"),
      HYB_CU(streamSynchronize, "cuStreamSynchronize"),
      HYB_CU(eventCreate, "cuEventCreate"),
      HYB_CU(eventDestroy, "cuEventDestroy_v2"),
      HYB_CU(eventRecord, "cuEventRecord"),
      HYB_CU(eventSynchronize, "cuEventSynchronize"),
      HYB_CU(eventElapsedTime, "cuEventElapsedTime_v2"),
      HYB_CU(moduleLoadData, "cuModuleLoadData"),
      HYB_CU(moduleLoadDataEx, "cuModuleLoadDataEx"),
      HYB_CU(moduleUnload, "cuModuleUnload"),
      HYB_CU(moduleGetFunction, "cuModuleGetFunction"),
      HYB_CU(funcSetAttribute, "cuFuncSetAttribute"),
      HYB_CU(launchKernel, "cuLaunchKernel"),
      HYB_CU(launchKernelEx, "cuLaunchKernelEx"),
      HYB_CU(streamBeginCapture, "cuStreamBeginCapture_v2"),
      HYB_CU(streamEndCapture, "cuStreamEndCapture"),
      HYB_CU(graphInstantiateWithFlags, "cuGraphInstantiateWithFlags"),
      HYB_CU(graphLaunch, "cuGraphLaunch"),
      HYB_CU(graphExecDestroy, "cuGraphExecDestroy"),
      HYB_CU(graphDestroy, "cuGraphDestroy"),
  };
#undef HYB_CU
  for (const Entry &e : entries) {
    *e.slot = dlsym(lib, e.symbol);
    if (!*e.slot)
      return e.symbol;
  }
  return nullptr;
}

Loaded *loadOnce() {
  auto *loaded = new Loaded(); // lives as long as the process
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    loaded->failure = makeStatus(
        HYB_STATUS_UNIMPLEMENTED,
        std::string("cuda backend: cannot load the CUDA driver libcuda.so.1 "
                    "(") +
            (why ? why : "dlopen failed") +
            "): is an NVIDIA driver installed?");
    return loaded;
  }
  if (const char *missing = resolve(lib, loaded->driver)) {
    loaded->failure = makeStatus(
        HYB_STATUS_UNIMPLEMENTED,
        std::string("cuda backend: libcuda.so.1 has no symbol '") + missing +
            "' (the driver is older than CUDA 12)");
    return loaded;
  }
  Result r = loaded->driver.init(0);
  if (r != kSuccess)
    loaded->failure = check(loaded->driver, r, "cuInit");
  return loaded;
}

} // namespace

hyb_status_t loadDriver(const Driver **out) {
  static Loaded *loaded = loadOnce();
  if (loaded->failure)
    return makeStatus(hyb_status_code(loaded->failure),
                      hyb_status_message(loaded->failure));
  *out = &loaded->driver;
  return nullptr;
}

std::string describe(const Driver &d, Result r, const char *function) {
  const char *name = nullptr, *text = nullptr;
  if (d.getErrorName)
    d.getErrorName(r, &name);
  if (d.getErrorString)
    d.getErrorString(r, &text);
  std::string s = std::string(function) + ": ";
  s += name ? name : "CUDA error " + std::to_string(r);
  if (text)
    s += std::string(" (") + text + ")";
  return s;
}

hyb_status_t check(const Driver &d, Result r, const char *function) {
  if (r == kSuccess)
    return nullptr;
  return makeStatus(r == 2 /* CUDA_ERROR_OUT_OF_MEMORY */
                        ? HYB_STATUS_OUT_OF_MEMORY
                        : HYB_STATUS_INTERNAL,
                    describe(d, r, function));
}

} // namespace cu
} // namespace hyb
