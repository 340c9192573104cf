//===- KernelTable.h - the kernels of a CUDA artifact, in order -*- C++ -*-===//
//
// The manifest's target.kernels and the index that host code passes to
// hyb_device_ops_t::launch are one list: the kernels of the gpu.module in
// the order of its body. Both hybrid-cuda-lower-host-to-device-ops (before
// the kernels become NVVM) and hybrid-cuda-embed-device-code (after) read
// it from here, so the two cannot disagree.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TARGET_CUDA_KERNELTABLE_H
#define HYBRIDC_PASSES_TARGET_CUDA_KERNELTABLE_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::hybrid::cuda {

/// The kernel names of |module|: its gpu.func kernels, or once lowered the
/// llvm.func kernels (nvvm.kernel) that replaced them in place.
inline SmallVector<StringRef> kernelNames(gpu::GPUModuleOp module) {
  SmallVector<StringRef> names;
  for (Operation &op : module.getBody()->getOperations()) {
    if (auto f = dyn_cast<gpu::GPUFuncOp>(op); f && f.isKernel())
      names.push_back(f.getName());
    else if (auto f = dyn_cast<LLVM::LLVMFuncOp>(op);
             f && f->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName()))
      names.push_back(f.getName());
  }
  return names;
}

} // namespace mlir::hybrid::cuda

#endif // HYBRIDC_PASSES_TARGET_CUDA_KERNELTABLE_H
