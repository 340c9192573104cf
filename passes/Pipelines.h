//===- Pipelines.h - the target-independent stages of every pipeline -*- C++ -*-===//
//
// What every target's pipeline shares: the raising and fusion passes on
// hybrid IR (with the options that turn each off), and the three points at
// which the artifact ABI is built (passes/ABI/). A target's own pipeline
// (passes/Target/<T>/Pipelines.h) calls these where its lowering allows.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_PIPELINES_H
#define HYBRIDC_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
namespace hybrid {

/// The raising and fusion passes a pipeline runs, each on by default. One
/// group of options that the fusion pipeline and every target's pipeline
/// options register on themselves, so a flag is declared once and reads the
/// same everywhere (`hybrid-cpu-pipeline{fold-scales=false}`).
struct FusionOptions {
  using BoolOption = ::mlir::detail::PassOptions::Option<bool>;
  explicit FusionOptions(::mlir::detail::PassOptions &owner);

  BoolOption raiseActivations, raiseNorms, raiseGatedMLP, fuseAddRMSNorm,
      mergeProjections, foldScales, foldRoPE, fuseAddLayerNorm,
      fuseLinearArgmax, foldDtIntoScan, fuseConvActivation;

  /// Turns off the fusion hybridc's --disable-fusion calls |name|
  /// ("gated-mlp", ...; "all" turns off every one); false if unknown.
  bool disable(llvm::StringRef name);
  /// Takes every toggle's value from |other| (another options object's).
  void copyFrom(const FusionOptions &other);
  /// The names disable() accepts: "activations, norms, ..., or all".
  static std::string names();
};

struct FusionPipelineOptions
    : public PassPipelineOptions<FusionPipelineOptions> {
  FusionOptions fusion{*this};
};

/// The target-independent raising and fusion passes that |options| enable,
/// on hybrid IR.
void buildHybridFusionPipeline(OpPassManager &pm, const FusionOptions &options);

/// The ABI, stage 1 (on hybrid ops, before any lowering): which weights are
/// only gathered by token ids.
void addABIAnnotationPasses(OpPassManager &pm);
/// The ABI, stage 2 (on tensors, after the target lowered the hybrid ops and
/// before bufferization turns results into out-params): weights as leading
/// arguments, then the manifest for |targetKind|.
void addABIBindingPasses(OpPassManager &pm, llvm::StringRef targetKind);
/// The ABI, stage 3 (right after one-shot bufferization of the function
/// boundaries): state is returned through its arguments.
void addABIBufferPasses(OpPassManager &pm);

/// From linalg on tensors to buffers, the same for every target: pointwise
/// ops fused into one pass over memory each, one-shot bufferization with
/// state in place (addABIBufferPasses), logits as a caller's buffer, every
/// temporary freed.
void addBufferizationPasses(OpPassManager &pm);

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_PIPELINES_H
