//===- Conversion/Passes.h - the conversions out of the hybrid dialect -*- C++ -*-===//
//
// Declarations of the conversions out of the hybrid dialect (Conversion/Passes.td): their create functions, option
// structs and registerHybridConversionPasses().
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_CONVERSION_PASSES_H
#define HYBRIDC_PASSES_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

#include <functional>

namespace mlir {
namespace hybrid {

class LinearArgmaxOp;

/// The rows of the vocabulary per block of a greedy head's lowering (see
/// hybrid-convert-to-linalg); 0, or the whole vocabulary or more: one block.
/// A target's choice, made per head: the CPU target's keeps a block's
/// logits in cache (passes/Target/CPU/Pipelines.cpp).
using HeadBlockRowsFn = std::function<int64_t(LinearArgmaxOp)>;

/// Whether hybrid-form-gpu-kernels leaves a top-level op of a function on
/// the host as a library call (the CUDA target's cuBLASLt GEMMs).
using HostLibraryCallFn = std::function<bool(Operation *)>;

#define GEN_PASS_DECL
#include "passes/Conversion/Passes.h.inc"

/// hybrid-convert-to-linalg with the heads' block sizes chosen by
/// `headBlockRows` rather than by its head-block-rows option, and the
/// other options as |options| give them.
std::unique_ptr<Pass> createHybridConvertToLinalgPass(
    HeadBlockRowsFn headBlockRows,
    const HybridConvertToLinalgPassOptions &options = {});

/// hybrid-form-gpu-kernels with the ops |keepOnHost| accepts left on the
/// host.
std::unique_ptr<Pass>
createHybridFormGPUKernelsPass(HostLibraryCallFn keepOnHost);

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_CONVERSION_PASSES_H
