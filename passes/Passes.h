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
  Option<int64_t> vectorLanes{
      *this, "vector-lanes",
      llvm::cl::desc("f32 lanes of the GEMM micro-kernel's vectors (16 for "
                     "AVX-512, 8 for AVX2)"),
      llvm::cl::init(16)};
  Option<int64_t> vectorRegisters{
      *this, "vector-registers",
      llvm::cl::desc("Vector registers of the target CPU (32 with AVX-512, "
                     "16 with AVX2)"),
      llvm::cl::init(32)};
  Option<bool> threads{*this, "threads",
                       llvm::cl::desc("Run parallel loops on OpenMP threads"),
                       llvm::cl::init(true)};
  Option<bool> raiseActivations{
      *this, "raise-activations",
      llvm::cl::desc("Run hybrid-raise-activations (relu2, silu)"),
      llvm::cl::init(true)};
  Option<bool> raiseNorms{
      *this, "raise-norms",
      llvm::cl::desc("Run hybrid-raise-norms (gated_rms_norm)"),
      llvm::cl::init(true)};
  Option<bool> raiseGatedMLP{
      *this, "raise-gated-mlp",
      llvm::cl::desc("Run hybrid-raise-gated-mlp (merged gate/up GEMM)"),
      llvm::cl::init(true)};
  Option<bool> fuseAddRMSNorm{*this, "fuse-add-rms-norm",
                              llvm::cl::desc("Run hybrid-fuse-add-rms-norm"),
                              llvm::cl::init(true)};
  Option<bool> mergeProjections{
      *this, "merge-projections",
      llvm::cl::desc("Run hybrid-merge-projections (Q/K/V in one GEMM)"),
      llvm::cl::init(true)};
  Option<bool> foldScales{*this, "fold-scales",
                          llvm::cl::desc("Run hybrid-fold-scales"),
                          llvm::cl::init(true)};
  Option<bool> foldRoPE{*this, "fold-rope",
                        llvm::cl::desc("Run hybrid-fold-rope-into-attention"),
                        llvm::cl::init(true)};
  Option<bool> fuseAddLayerNorm{
      *this, "fuse-add-layer-norm",
      llvm::cl::desc("Run hybrid-fuse-add-layer-norm"), llvm::cl::init(true)};
  Option<bool> fuseLinearArgmax{
      *this, "fuse-linear-argmax",
      llvm::cl::desc("Run hybrid-fuse-linear-argmax (greedy LM head)"),
      llvm::cl::init(true)};
  Option<bool> foldDtIntoScan{
      *this, "fold-dt-into-scan",
      llvm::cl::desc("Run hybrid-fold-dt-into-scan (dt bias, softplus, "
                     "limit into the scans)"),
      llvm::cl::init(true)};
  Option<bool> fuseConvActivation{
      *this, "fuse-conv-activation",
      llvm::cl::desc("Run hybrid-fuse-conv-activation"), llvm::cl::init(true)};
};

/// The target-independent raising and fusion passes the options enable.
void buildHybridFusionPipeline(OpPassManager &pm,
                               const CPUPipelineOptions &options);
/// hybrid IR -> bufferized scf loops on memrefs (starts with the fusions).
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
