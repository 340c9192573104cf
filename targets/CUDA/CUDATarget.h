//===- CUDATarget.h - the CUDA target backend -------------------*- C++ -*-===//

#ifndef HYBRIDC_TARGETS_CUDA_CUDATARGET_H
#define HYBRIDC_TARGETS_CUDA_CUDATARGET_H

#include "targets/TargetBackend.h"

namespace hybrid::target {

std::unique_ptr<TargetBackend>
createCUDATargetBackend(const TargetOptions &options);

} // namespace hybrid::target

#endif // HYBRIDC_TARGETS_CUDA_CUDATARGET_H
