//===- Passes.h - hybridc passes and pipelines ------------------*- C++ -*-===//

#ifndef HYBRIDC_PASSES_PASSES_H
#define HYBRIDC_PASSES_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
namespace hybrid {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Options of the CPU pipelines.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> threads{*this, "threads",
                       llvm::cl::desc("Run parallel loops on OpenMP threads"),
                       llvm::cl::init(true)};
};

/// hybrid IR -> bufferized scf loops on memrefs.
void buildHybridCPULoopsPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options);
/// scf loops -> LLVM dialect with the artifact's entry points.
void buildHybridCPULLVMPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options);
/// Both stages.
void buildHybridCPUPipeline(OpPassManager &pm,
                            const CPUPipelineOptions &options);

/// Registers every hybridc pass and named pipeline with the global registry
/// (hybrid-opt, hybridc).
void registerHybridPasses();

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_PASSES_H
