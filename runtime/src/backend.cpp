//===- backend.cpp - Backend selection ------------------------------------===//
//
// The one place that knows which backends were built. A CUDA backend adds a
// case here (under HYBRIDRT_HAVE_CUDA) and a runtime/src/cuda/ folder.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/backend.h"
#include "runtime/src/cpu/cpu_backend.h"

namespace hyb {

hyb_status_t createBackend(hyb_device_t device, const BackendOptions &options,
                           std::unique_ptr<Backend> *out) {
  switch (device) {
  case HYB_DEVICE_CPU:
    *out = createCpuBackend(options);
    return nullptr;
  case HYB_DEVICE_CUDA:
    return error(HYB_STATUS_UNIMPLEMENTED,
                 "cuda backend not built (this libhybridrt has only the cpu "
                 "backend)");
  }
  return error(HYB_STATUS_INVALID_ARGUMENT, "unknown device ", int(device));
}

} // namespace hyb
