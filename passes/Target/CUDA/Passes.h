//===- Target/CUDA/Passes.h - CUDA target passes ----------------*- C++ -*-===//

#ifndef HYBRIDC_PASSES_TARGET_CUDA_PASSES_H
#define HYBRIDC_PASSES_TARGET_CUDA_PASSES_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace hybrid {

#define GEN_PASS_DECL
#include "passes/Target/CUDA/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Target/CUDA/Passes.h.inc"

namespace cuda {
/// Whether |op| is a GEMM the runtime's library call takes
/// (hyb_device_ops_t::gemm): a `#hybrid.gemm` linalg.generic on buffers with
/// rank-2 or rank-3 activations, [N, K] weights and unit inner strides, in
/// f32, bf16 or f16. Others become kernels.
bool isLibraryGemm(Operation *op);
} // namespace cuda

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_TARGET_CUDA_PASSES_H
