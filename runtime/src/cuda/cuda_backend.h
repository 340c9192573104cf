//===- cuda_backend.h - The CUDA backend ------------------------*- C++ -*-===//
#ifndef HYBRIDRT_CUDA_CUDA_BACKEND_H
#define HYBRIDRT_CUDA_CUDA_BACKEND_H

#include "runtime/src/backend.h"

namespace hyb {

/// The backend of CUDA artifacts, on device 0: loads libcuda.so.1 and
/// libcublasLt.so.13 the first time (one line naming the library that is
/// missing, where one is).
hyb_status_t createCudaBackend(const BackendOptions &options,
                               std::unique_ptr<Backend> *out);

/// Device-to-device copy bandwidth of device 0 (bytes read + written per
/// second): the best of |repeats| cuMemcpyDtoDAsync of a |bytes| buffer
/// onto another, after one warm-up, timed with CUDA events. Also the
/// device's name in |deviceName|. hybrid-run --bench's roofline.
hyb_status_t measureCudaCopyBandwidth(uint64_t bytes, int repeats,
                                      double *outBytesPerSecond,
                                      std::string *deviceName);

} // namespace hyb

#endif // HYBRIDRT_CUDA_CUDA_BACKEND_H
