//===- Target/CPU/Pipelines.h - hybrid IR to a CPU artifact's LLVM IR -*- C++ -*-===//
//
// The CPU target's pass pipeline, in two stages that hybridc stops between
// for --emit=lowered: hybrid IR to bufferized loops with the GEMMs as the
// vector micro-kernel, then loops to the LLVM dialect with the artifact's
// entry points. Serialization (LLVM IR, object, shared library) is the CPU
// target backend's (targets/CPU/).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TARGET_CPU_PIPELINES_H
#define HYBRIDC_PASSES_TARGET_CPU_PIPELINES_H

#include "passes/Pipelines.h"

namespace mlir {
namespace hybrid {

/// Options of the CPU pipelines: the fusions, and what the CPU's vector
/// registers and threads allow.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  FusionOptions fusion{*this};
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
};

/// hybrid IR -> bufferized scf loops on memrefs (starts with the fusions).
void buildHybridCPULoopsPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options);
/// scf loops -> LLVM dialect with the artifact's entry points.
void buildHybridCPULLVMPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options);
/// Both stages.
void buildHybridCPUPipeline(OpPassManager &pm,
                            const CPUPipelineOptions &options);

/// hybrid-cpu-pipeline and its two stages, for hybrid-opt.
void registerHybridCPUPipelines();

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_TARGET_CPU_PIPELINES_H
