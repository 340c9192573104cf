//===- backend.cpp - Backend selection ------------------------------------===//
//
// The one place that knows which backends were built. The CUDA backend
// needs no CUDA headers or libraries at build time (it loads the driver at
// run time), so it is built wherever HYBRIDRT_CUDA is on (the default).
//
//===----------------------------------------------------------------------===//

#include "runtime/src/backend.h"
#include "runtime/src/cpu/cpu_backend.h"
#ifdef HYBRIDRT_HAVE_CUDA
#include "runtime/src/cuda/cuda_backend.h"
#endif

namespace hyb {

hyb_status_t createBackend(hyb_device_t device, const BackendOptions &options,
                           std::unique_ptr<Backend> *out) {
  switch (device) {
  case HYB_DEVICE_CPU:
    *out = createCpuBackend(options);
    return nullptr;
  case HYB_DEVICE_CUDA:
#ifdef HYBRIDRT_HAVE_CUDA
    return createCudaBackend(options, out);
#else
    return error(HYB_STATUS_UNIMPLEMENTED,
                 "cuda backend not built (this libhybridrt has only the cpu "
                 "backend)");
#endif
  case HYB_DEVICE_AUTO:
    break;
  }
  return error(HYB_STATUS_INVALID_ARGUMENT, "unknown device ", int(device));
}

} // namespace hyb
