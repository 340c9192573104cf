//===- Passes.cpp - hybridc pass and pipeline registration ----------------===//
//
// The named pipelines. Each stage is a list of (pass, why it runs there)
// pairs, so the order can be read and replayed with hybrid-opt
// (`--hybrid-cpu-pipeline`, or each stage alone).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir {
namespace hybrid {
namespace {
#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

struct Stage {
  const char *pass;
  const char *why;
};

LogicalResult addStage(OpPassManager &pm, ArrayRef<Stage> stages) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      stages, os, [&](const Stage &s) { os << s.pass; }, ",");
  return parsePassPipeline(text, pm, llvm::errs());
}
} // namespace

void buildHybridFusionPipeline(OpPassManager &pm,
                               const CPUPipelineOptions &options) {
  SmallVector<Stage> stages = {
      {"canonicalize", "fold scale chains before matching"}};
  if (options.raiseActivations)
    stages.push_back({"hybrid-raise-activations",
                      "first: the norm and MLP raisings match one activation"});
  if (options.raiseNorms)
    stages.push_back({"hybrid-raise-norms",
                      "after the activations: a gate spelled x * sigmoid(x) "
                      "is a silu by now"});
  if (options.raiseGatedMLP)
    stages.push_back({"hybrid-raise-gated-mlp",
                      "gate/up GEMMs of any family become one gated_mlp"});
  if (options.mergeProjections)
    stages.push_back({"hybrid-merge-projections",
                      "after the MLP raising, which keeps gate and up apart"});
  if (options.foldRoPE)
    stages.push_back({"hybrid-fold-rope-into-attention",
                      "q/k rotation inside attention, not a pass of its own"});
  if (options.fuseConvActivation)
    stages.push_back({"hybrid-fuse-conv-activation",
                      "SiLU inside the causal conv of every Mamba mixer"});
  if (options.foldDtIntoScan)
    stages.push_back({"hybrid-fold-dt-into-scan",
                      "dt bias, softplus and limit applied as the scan "
                      "reads dt"});
  if (options.fuseAddRMSNorm)
    stages.push_back({"hybrid-fuse-add-rms-norm",
                      "residual add and the next norm read memory once"});
  if (options.fuseAddLayerNorm)
    stages.push_back({"hybrid-fuse-add-layer-norm", "the same for LayerNorms"});
  if (options.foldScales)
    stages.push_back({"hybrid-fold-scales",
                      "last: a scaled projection must not stop the raising"});
  if (options.fuseLinearArgmax)
    stages.push_back({"hybrid-fuse-linear-argmax",
                      "after fold-scales, which moves a logits multiplier "
                      "into the head's output_scale"});
  if (failed(addStage(pm, stages)))
    llvm::report_fatal_error("hybridc: malformed fusion pipeline");
}

void buildHybridCPULoopsPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options) {
  buildHybridFusionPipeline(pm, options);
  // The micro-kernel's shape follows the target's vector registers.
  std::string vectorize =
      "func.func(hybrid-cpu-vectorize-linear{lanes=" +
      std::to_string(options.vectorLanes) +
      " registers=" + std::to_string(options.vectorRegisters) + "})";
  SmallVector<Stage> stages = {
      {"hybrid-mark-gathered-weights",
       "on the hybrid ops, where an embedding's table is one operand"},
      {"hybrid-convert-to-linalg",
       "every hybrid op but the weights becomes linalg/tensor/scf"},
      {"hybrid-bind-weights",
       "weights become the leading arguments the runtime binds"},
      {"hybrid-build-manifest{target=cpu}",
       "the ABI is read off the tensor-level signature, before bufferization "
       "turns results into out-params"},
      {"func.func(convert-elementwise-to-linalg)",
       "residual adds and gates on tensors become linalg.generic"},
      {"canonicalize,cse", "fold the reshapes and constants of the lowering"},
      {"func.func(hybrid-fuse-elementwise)",
       "one pass over memory for chains of pointwise ops, GEMMs kept apart"},
      {"canonicalize,cse", ""},
      {"func.func(hybrid-reuse-dead-inputs)",
       "elementwise results over an input that dies there, in place"},
      {"func.func(hybrid-clone-shared-fills)",
       "after the last CSE: each destination filled in place, not copied "
       "from one shared fill"},
      {"one-shot-bufferize{bufferize-function-boundaries "
       "function-boundary-type-conversion=identity-layout-map}",
       "state operands bufferize in place onto the caller's buffers"},
      {"hybrid-return-state-in-place",
       "the ABI returns state through its arguments, not as results"},
      {"buffer-results-to-out-params{modify-public-functions "
       "hoist-static-allocs hoist-dynamic-allocs}",
       "logits become a caller-provided buffer, written in place: the "
       "allocation that held them is replaced by it, not copied into it"},
      {"canonicalize", ""},
      {"buffer-deallocation-pipeline", "free every temporary"},
      {"func.func(hybrid-cpu-expand-strided-copies)",
       "strided copies as loops, not calls into MLIR's runner utils"},
      {vectorize.c_str(),
       "GEMMs become the vector micro-kernel before generic loop lowering"},
      {"func.func(convert-linalg-to-loops)",
       "pointwise ops and norms run on one thread: forking a thread team "
       "for a few KB of work costs more than the work (measured: 2 threads "
       "on every loop made a decode step 2.6x slower than 1 thread)"},
      {"func.func(scf-forall-to-parallel)", "the lanes of attention and scans"},
      {"canonicalize,cse", ""},
  };
  (void)options;
  if (failed(addStage(pm, stages)))
    llvm::report_fatal_error("hybridc: malformed hybrid-cpu loops pipeline");
}

void buildHybridCPULLVMPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options) {
  SmallVector<Stage> stages;
  if (options.threads)
    stages.push_back({"convert-scf-to-openmp",
                      "outermost scf.parallel loops run on libomp threads"});
  SmallVector<Stage> rest = {
      {"convert-vector-to-scf", ""},
      {"func.func(convert-vector-to-llvm{enable-x86vector})",
       "vector.fma / loads / reductions to LLVM vector IR"},
      {"expand-strided-metadata",
       "subviews to descriptor arithmetic (emits affine.apply)"},
      {"lower-affine", "after expand-strided-metadata, which creates it"},
      {"finalize-memref-to-llvm", ""},
      {"func.func(convert-math-to-llvm)", "exp, log, rsqrt as LLVM intrinsics"},
      {"convert-math-to-libm", "erf and pow have no intrinsic: libm"},
      {"convert-scf-to-cf", ""},
      {"convert-arith-to-llvm", ""},
      {"convert-index-to-llvm", ""},
      {"convert-func-to-llvm", "with _mlir_ciface_ wrappers for the entries"},
      {"convert-cf-to-llvm", ""},
      {"convert-openmp-to-llvm", ""},
      {"reconcile-unrealized-casts", ""},
      {"hybrid-emit-cpu-entry-points",
       "the void(void**) entries and the manifest symbol of docs/ABI.md"},
  };
  stages.append(rest.begin(), rest.end());
  if (failed(addStage(pm, stages)))
    llvm::report_fatal_error("hybridc: malformed hybrid-cpu llvm pipeline");
}

void buildHybridCPUPipeline(OpPassManager &pm,
                            const CPUPipelineOptions &options) {
  buildHybridCPULoopsPipeline(pm, options);
  buildHybridCPULLVMPipeline(pm, options);
}

void registerHybridPasses() {
  registerHybridcPasses();
  PassPipelineRegistration<CPUPipelineOptions>(
      "hybrid-cpu-pipeline",
      "hybrid IR to the LLVM dialect of a CPU artifact (both stages)",
      buildHybridCPUPipeline);
  PassPipelineRegistration<CPUPipelineOptions>(
      "hybrid-fusion-pipeline",
      "the target-independent raising and fusion passes on hybrid IR",
      buildHybridFusionPipeline);
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
