//===- Pipelines.cpp - the target-independent stages of every pipeline ----===//
//
// Each stage adds typed passes, one call a pass, with the reason it runs
// where it does; `hybrid-opt --hybrid-fusion-pipeline --dump-pass-pipeline`
// prints the result.
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines.h"

#include "passes/ABI/Passes.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Transforms/Passes.h"

namespace mlir {
namespace hybrid {

namespace {
/// --disable-fusion's name for each option.
struct Toggle {
  const char *name;
  FusionOptions::BoolOption FusionOptions::*option;
};
constexpr Toggle kToggles[] = {
    {"activations", &FusionOptions::raiseActivations},
    {"norms", &FusionOptions::raiseNorms},
    {"gated-mlp", &FusionOptions::raiseGatedMLP},
    {"add-rms-norm", &FusionOptions::fuseAddRMSNorm},
    {"add-layer-norm", &FusionOptions::fuseAddLayerNorm},
    {"conv-activation", &FusionOptions::fuseConvActivation},
    {"scan-dt", &FusionOptions::foldDtIntoScan},
    {"rope", &FusionOptions::foldRoPE},
    {"projections", &FusionOptions::mergeProjections},
    {"scales", &FusionOptions::foldScales},
    {"linear-argmax", &FusionOptions::fuseLinearArgmax},
};
} // namespace

FusionOptions::FusionOptions(::mlir::detail::PassOptions &owner)
    : raiseActivations(owner, "raise-activations",
                       llvm::cl::desc("Run hybrid-raise-activations (relu2, silu)"),
                       llvm::cl::init(true)),
      raiseNorms(owner, "raise-norms",
                 llvm::cl::desc("Run hybrid-raise-norms (gated_rms_norm)"),
                 llvm::cl::init(true)),
      raiseGatedMLP(owner, "raise-gated-mlp",
                    llvm::cl::desc("Run hybrid-raise-gated-mlp (merged gate/up GEMM)"),
                    llvm::cl::init(true)),
      fuseAddRMSNorm(owner, "fuse-add-rms-norm",
                     llvm::cl::desc("Run hybrid-fuse-add-rms-norm"),
                     llvm::cl::init(true)),
      mergeProjections(owner, "merge-projections",
                       llvm::cl::desc("Run hybrid-merge-projections (Q/K/V in one GEMM)"),
                       llvm::cl::init(true)),
      foldScales(owner, "fold-scales", llvm::cl::desc("Run hybrid-fold-scales"),
                 llvm::cl::init(true)),
      foldRoPE(owner, "fold-rope",
               llvm::cl::desc("Run hybrid-fold-rope-into-attention"),
               llvm::cl::init(true)),
      fuseAddLayerNorm(owner, "fuse-add-layer-norm",
                       llvm::cl::desc("Run hybrid-fuse-add-layer-norm"),
                       llvm::cl::init(true)),
      fuseLinearArgmax(owner, "fuse-linear-argmax",
                       llvm::cl::desc("Run hybrid-fuse-linear-argmax (greedy LM head)"),
                       llvm::cl::init(true)),
      foldDtIntoScan(owner, "fold-dt-into-scan",
                     llvm::cl::desc("Run hybrid-fold-dt-into-scan (dt bias, "
                                    "softplus, limit into the scans)"),
                     llvm::cl::init(true)),
      fuseConvActivation(owner, "fuse-conv-activation",
                         llvm::cl::desc("Run hybrid-fuse-conv-activation"),
                         llvm::cl::init(true)) {}

bool FusionOptions::disable(llvm::StringRef name) {
  bool known = name == "all";
  for (const Toggle &toggle : kToggles)
    if (name == toggle.name || name == "all") {
      this->*toggle.option = false;
      known = true;
    }
  return known;
}

void FusionOptions::copyFrom(const FusionOptions &other) {
  for (const Toggle &toggle : kToggles)
    this->*toggle.option = static_cast<bool>(other.*toggle.option);
}

std::string FusionOptions::names() {
  std::string list;
  for (const Toggle &toggle : kToggles)
    list += std::string(toggle.name) + ", ";
  return list + "or all";
}

void buildHybridFusionPipeline(OpPassManager &pm,
                               const FusionOptions &options) {
  // Fold scale chains before matching.
  pm.addPass(createCanonicalizerPass());
  // First: the norm and MLP raisings match one activation op.
  if (options.raiseActivations)
    pm.addPass(createHybridRaiseActivationsPass());
  // After the activations: a gate spelled x * sigmoid(x) is a silu by now.
  if (options.raiseNorms)
    pm.addPass(createHybridRaiseNormsPass());
  // Gate/up GEMMs of any family become one gated_mlp.
  if (options.raiseGatedMLP)
    pm.addPass(createHybridRaiseGatedMLPPass());
  // After the MLP raising, which keeps gate and up apart.
  if (options.mergeProjections)
    pm.addPass(createHybridMergeProjectionsPass());
  // The q/k rotation inside attention, not a pass over memory of its own.
  if (options.foldRoPE)
    pm.addPass(createHybridFoldRoPEIntoAttentionPass());
  // The SiLU inside the causal conv of every Mamba mixer.
  if (options.fuseConvActivation)
    pm.addPass(createHybridFuseConvActivationPass());
  // dt bias, softplus and limit applied as the scan reads dt.
  if (options.foldDtIntoScan)
    pm.addPass(createHybridFoldDtIntoScanPass());
  // The residual add and the next norm read memory once.
  if (options.fuseAddRMSNorm)
    pm.addPass(createHybridFuseAddRMSNormPass());
  // The same for LayerNorms.
  if (options.fuseAddLayerNorm)
    pm.addPass(createHybridFuseAddLayerNormPass());
  // Last of the raisings: a scaled projection must not stop them.
  if (options.foldScales)
    pm.addPass(createHybridFoldScalesPass());
  // After fold-scales, which moves a logits multiplier into the head's
  // output_scale.
  if (options.fuseLinearArgmax)
    pm.addPass(createHybridFuseLinearArgmaxPass());
  // What the folds left behind: pieces of a split that fold-scales freed of
  // their per-piece multipliers and a concat joins again (Falcon-H1's conv
  // input, x, B and C of in_proj) are one piece, not three copies.
  pm.addPass(createCanonicalizerPass());
}

void addABIAnnotationPasses(OpPassManager &pm) {
  // On the hybrid ops, where an embedding's table is one operand.
  pm.addPass(createHybridMarkGatheredWeightsPass());
}

void addABIBindingPasses(OpPassManager &pm, llvm::StringRef targetKind) {
  // Weights become the leading arguments the runtime binds. After the
  // lowering, which may still create weight ops (one per expert of a MoE).
  pm.addPass(createHybridBindWeightsPass());
  // The ABI is read off the tensor-level signature, before bufferization
  // turns results into out-params.
  HybridBuildManifestPassOptions manifest;
  manifest.target = targetKind.str();
  pm.addPass(createHybridBuildManifestPass(manifest));
}

void addABIBufferPasses(OpPassManager &pm) {
  // The ABI returns state through its arguments, not as results.
  pm.addPass(createHybridReturnStateInPlacePass());
}

void addBufferizationPasses(OpPassManager &pm) {
  // Residual adds and gates on tensors become linalg.generic.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  // Fold the reshapes and constants of the lowering.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // One pass over memory for chains of pointwise ops, GEMMs kept apart.
  pm.addNestedPass<func::FuncOp>(createHybridFuseElementwisePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Elementwise results over an input that dies there, in place.
  pm.addNestedPass<func::FuncOp>(createHybridReuseDeadInputsPass());
  // After the last CSE: each destination filled in place, not copied from
  // one shared fill.
  pm.addNestedPass<func::FuncOp>(createHybridCloneSharedFillsPass());
  // State operands bufferize in place onto the caller's buffers.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  addABIBufferPasses(pm);
  // Logits become a caller-provided buffer, written in place: the
  // allocation that held them is replaced by it, not copied into it.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.modifyPublicFunctions = true;
  outParams.hoistStaticAllocs = true;
  outParams.hoistDynamicAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(createCanonicalizerPass());
  // Free every temporary.
  bufferization::buildBufferDeallocationPipeline(pm);
}

} // namespace hybrid
} // namespace mlir
