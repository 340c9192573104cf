//===- Target/CPU/Pipelines.cpp - hybrid IR to a CPU artifact's LLVM IR ---===//
//
// Typed passes, one call a pass, each with the reason it runs there.
// `hybrid-opt --hybrid-cpu-pipeline --dump-pass-pipeline` prints the list.
//
//===----------------------------------------------------------------------===//

#include "passes/Target/CPU/Pipelines.h"

#include "dialect/IR/HybridOps.h"
#include "passes/Conversion/Passes.h"
#include "passes/Target/CPU/Passes.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace mlir {
namespace hybrid {

/// Rows of the vocabulary per block of the greedy head: the block's logits
/// ([tokens, rows] floats) stay in L1/L2 between the GEMV that writes them
/// and the argmax that reads them, and there are enough blocks to share out
/// among threads. A divisor of V in [256, 1024] avoids a ragged last block;
/// otherwise 512 rows and one short tail block. (The lowering asks for
/// heads of a static vocabulary only.)
static int64_t cpuHeadBlockRows(LinearArgmaxOp op) {
  auto head = cast<RankedTensorType>(op.getWeight().getType());
  int64_t vocab = head.getDimSize(0);
  if (vocab <= 1024)
    return vocab;
  for (int64_t rows = 1024; rows >= 256; --rows)
    if (vocab % rows == 0)
      return rows;
  return 512;
}

void buildHybridCPULoopsPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options) {
  buildHybridFusionPipeline(pm, options.fusion);
  addABIAnnotationPasses(pm);
  // Every hybrid op but the weights becomes linalg/tensor/scf; the greedy
  // head in blocks that fit the caches.
  pm.addPass(createHybridConvertToLinalgPass(cpuHeadBlockRows));
  addABIBindingPasses(pm, "cpu");
  addBufferizationPasses(pm);
  // Strided copies as loops, not calls into MLIR's runner utils.
  pm.addNestedPass<func::FuncOp>(createHybridCPUExpandStridedCopiesPass());
  // GEMMs become the vector micro-kernel before generic loop lowering; its
  // shape follows the target's vector registers.
  HybridCPUVectorizeLinearPassOptions kernel;
  kernel.lanes = options.vectorLanes;
  kernel.registers = options.vectorRegisters;
  pm.addNestedPass<func::FuncOp>(createHybridCPUVectorizeLinearPass(kernel));
  // Pointwise ops and norms run on one thread: forking a thread team for a
  // few KB of work costs more than the work (measured: 2 threads on every
  // loop made a decode step 2.6x slower than 1 thread).
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // The lanes of attention and scans.
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildHybridCPULLVMPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options) {
  // Outermost scf.parallel loops run on libomp threads.
  if (options.threads)
    pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createConvertVectorToSCFPass());
  // vector.fma / loads / reductions to LLVM vector IR.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.x86Vector = true;
  pm.addNestedPass<func::FuncOp>(createConvertVectorToLLVMPass(vectorToLLVM));
  // Subviews to descriptor arithmetic (emits affine.apply).
  pm.addPass(memref::createExpandStridedMetadataPass());
  // After expand-strided-metadata, which creates it.
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  // exp, log, rsqrt as LLVM intrinsics.
  pm.addNestedPass<func::FuncOp>(createConvertMathToLLVMPass());
  // erf and pow have no intrinsic: libm.
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // The entry points get _mlir_ciface_ wrappers from convert-func-to-llvm.
  pm.addPass(createHybridCPUMarkEntryPointsPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // The entries and the manifest symbol of docs/ABI.md.
  pm.addPass(createHybridCPUEmitEntryPointsPass());
}

void buildHybridCPUPipeline(OpPassManager &pm,
                            const CPUPipelineOptions &options) {
  buildHybridCPULoopsPipeline(pm, options);
  buildHybridCPULLVMPipeline(pm, options);
}

void registerHybridCPUPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "hybrid-cpu-pipeline",
      "hybrid IR to the LLVM dialect of a CPU artifact (both stages)",
      buildHybridCPUPipeline);
  PassPipelineRegistration<CPUPipelineOptions>(
      "hybrid-cpu-loops-pipeline",
      "hybrid IR to bufferized scf loops (stage 1 of hybrid-cpu-pipeline)",
      buildHybridCPULoopsPipeline);
  PassPipelineRegistration<CPUPipelineOptions>(
      "hybrid-cpu-llvm-pipeline",
      "scf loops to the LLVM dialect (stage 2 of hybrid-cpu-pipeline)",
      buildHybridCPULLVMPipeline);
}

} // namespace hybrid
} // namespace mlir
