//===- Target/CUDA/Pipelines.cpp - hybrid IR to a CUDA artifact -----------===//
//
// Typed passes, one call a pass, each with the reason it runs there.
// `hybrid-opt --hybrid-cuda-pipeline --dump-pass-pipeline` prints the list.
//
//===----------------------------------------------------------------------===//

#include "passes/Target/CUDA/Pipelines.h"

#include "dialect/IR/HybridOps.h"
#include "passes/Conversion/Passes.h"
#include "passes/Target/CPU/Passes.h"
#include "passes/Target/CUDA/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace mlir {
namespace hybrid {

void buildHybridCUDAKernelsPipeline(OpPassManager &pm,
                                    const CUDAPipelineOptions &options) {
  buildHybridFusionPipeline(pm, options.fusion);
  addABIAnnotationPasses(pm);
  // The greedy head in one block: its GEMM is a library call, its argmax
  // lanes of argmax-block-rows logits each (the GEMM-blocked form keeps CPU
  // caches warm). A decode step's attention split over chunks of the
  // visible cache rows: heads alone are too few lanes for a GPU. A decode
  // step's causal conv one lane a channel, its state row updated in place:
  // one kernel rather than a copy, a window, a copy back and the output.
  HybridConvertToLinalgPassOptions lowering;
  lowering.attentionKVChunks = options.attentionKVChunks;
  lowering.argmaxBlockRows = options.argmaxBlockRows;
  lowering.decodeConvLanes = true;
  // A step's keys (rotated) and values into their caches in one kernel.
  lowering.cacheWriteLanes = true;
  pm.addPass(createHybridConvertToLinalgPass(
      [](LinearArgmaxOp) -> int64_t { return 0; }, lowering));
  addABIBindingPasses(pm, "cuda");
  addBufferizationPasses(pm);
  // The lanes of attention and scans: parallel loops, which become kernels.
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  // Every op that touches buffer contents into a kernel; cuBLASLt GEMMs
  // stay host calls.
  pm.addNestedPass<func::FuncOp>(
      createHybridFormGPUKernelsPass(cuda::isLibraryGemm));
  // Fold the launch sizes before outlining copies them into kernels.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Constants (and the index arithmetic and dims on them) into the kernels
  // rather than kernel arguments: a lane's private array indexed by a
  // constant is promoted to registers (by an argument, it stays in local
  // memory), loops of constant trips unroll, and a shuffle's offset is an
  // immediate.
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
}

void buildHybridCUDALLVMPipeline(OpPassManager &pm,
                                 const CUDAPipelineOptions &options) {
  GpuNVVMAttachTargetOptions attach;
  attach.chip = options.chip;
  attach.features = options.ptxFeatures;
  attach.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(attach));
  // Kernels: views to descriptor arithmetic, loops to branches, then NVVM
  // (math through libdevice, linked at serialization).
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  // Each kernel waits for the one before at its entry, so the runtime may
  // launch it while that one finishes: first, before any memory access.
  if (options.overlapKernelLaunches)
    kernels.addPass(createHybridCUDAOverlapKernelLaunchesPass());
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  // Host: launches, GEMMs and temporaries through the runtime's table;
  // kernel indices from the gpu.module, so before it goes.
  pm.addPass(createHybridCUDALowerHostToDeviceOpsPass());
  HybridCUDAEmbedDeviceCodePassOptions embed;
  embed.toolkitPath = options.toolkit;
  pm.addPass(createHybridCUDAEmbedDeviceCodePass(embed));
  // The rest of the host code as on the CPU (no vectors, no threads).
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createHybridCPUMarkEntryPointsPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // The entries pass the environment on: the host code's last argument.
  HybridCPUEmitEntryPointsPassOptions entries;
  entries.environmentArgument = true;
  pm.addPass(createHybridCPUEmitEntryPointsPass(entries));
}

void buildHybridCUDAPipeline(OpPassManager &pm,
                             const CUDAPipelineOptions &options) {
  buildHybridCUDAKernelsPipeline(pm, options);
  buildHybridCUDALLVMPipeline(pm, options);
}

void registerHybridCUDAPipelines() {
  PassPipelineRegistration<CUDAPipelineOptions>(
      "hybrid-cuda-pipeline",
      "hybrid IR to the LLVM dialect of a CUDA artifact (both stages)",
      buildHybridCUDAPipeline);
  PassPipelineRegistration<CUDAPipelineOptions>(
      "hybrid-cuda-kernels-pipeline",
      "hybrid IR to host code launching outlined kernels (stage 1 of "
      "hybrid-cuda-pipeline)",
      buildHybridCUDAKernelsPipeline);
  PassPipelineRegistration<CUDAPipelineOptions>(
      "hybrid-cuda-llvm-pipeline",
      "kernels to an embedded cubin and PTX, host code to the LLVM dialect "
      "(stage 2 of hybrid-cuda-pipeline)",
      buildHybridCUDALLVMPipeline);
  // The kernel former alone, keeping what the CUDA target takes as library
  // calls on the host: how its GEMM folds are tested.
  PassPipelineRegistration<>(
      "hybrid-cuda-form-kernels",
      "hybrid-form-gpu-kernels with the cuBLASLt GEMMs left on the host, as "
      "in hybrid-cuda-kernels-pipeline",
      [](OpPassManager &pm) {
        pm.addNestedPass<func::FuncOp>(
            createHybridFormGPUKernelsPass(cuda::isLibraryGemm));
      });
}

} // namespace hybrid
} // namespace mlir
