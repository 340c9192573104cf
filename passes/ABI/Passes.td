//===- ABI/Passes.td - the artifact ABI, shared by every target -*- tablegen -*-===//
//
// The passes that turn a module's entry points into the artifact's ABI
// (docs/ABI.md): which weights are gathered, weights as leading arguments,
// the manifest, state returned in place. Every target runs them, at the
// points its pipeline says (see passes/Pipelines.h). Tests: test/ABI/.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_ABI_PASSES_TD
#define HYBRIDC_PASSES_ABI_PASSES_TD

include "mlir/Pass/PassBase.td"

def HybridMarkGatheredWeightsPass
    : Pass<"hybrid-mark-gathered-weights", "::mlir::ModuleOp"> {
  let summary = "Marks the weights that are only gathered by token ids";
  let description = [{
    Runs on hybrid ops, before any lowering: a `hybrid.weight` whose every
    use is the table of a `hybrid.embedding` is read only at the rows the
    token ids select, and gets `access <gather>`. `hybrid-bind-weights`
    carries that to its argument, and the manifest to the runtime, whose
    decode roofline then leaves the table out. Deciding it here, where the
    embedding is one op, replaces guessing it from the lowered loads.

    ```mlir
    %e = hybrid.weight "embed" : tensor<128x64xf32>
    %h = hybrid.embedding %e[%ids] : ...
    ```
    becomes
    ```mlir
    %e = hybrid.weight "embed" access <gather> : tensor<128x64xf32>
    ```
  }];
  let statistics = [
    Statistic<"numGathered", "gathered", "Weights marked access <gather>">
  ];
  // Its contract attributes (HybridAttrs.td) are the hybrid dialect's.
  let dependentDialects = ["::mlir::hybrid::HybridDialect"];
}

def HybridBindWeightsPass : Pass<"hybrid-bind-weights", "::mlir::ModuleOp"> {
  let summary = "Turns hybrid.weight ops into leading function arguments";
  let description = [{
    Every `hybrid.weight "name"` of a function becomes one of its leading
    arguments, once per name, in order of first use, tagged
    `{hybrid.weight = #hybrid.weight<name = "name">}`: the calling
    convention the runtime binds checkpoint tensors to (docs/ABI.md). A
    weight is `access = gather` when every op of that name in the function
    was marked so; a packed weight lists its parts and their rows.

    ```mlir
    func.func @f(%x: tensor<4xf32>) {
      %w = hybrid.weight "w" : tensor<4xf32>
    ```
    becomes
    ```mlir
    func.func @f(%w: tensor<4xf32> {hybrid.weight = #hybrid.weight<name = "w">},
                 %x: tensor<4xf32>) {
    ```
  }];
  // Its contract attributes (HybridAttrs.td) are the hybrid dialect's.
  let dependentDialects = ["::mlir::hybrid::HybridDialect"];
}

def HybridBuildManifestPass : Pass<"hybrid-build-manifest",
                                   "::mlir::ModuleOp"> {
  let summary = "Describes the module's ABI as the artifact manifest";
  let description = [{
    Runs after hybrid-bind-weights, on tensors. From the `#hybrid.model` of
    the module and the `#hybrid.weight` / `#hybrid.role` / `#hybrid.state`
    attributes of every public function's arguments and results, builds the
    JSON manifest (version 2) of docs/ABI.md (weights, per-sequence state
    with its layer, kind and scope, entry points with their named inputs and
    outputs in final ABI order)
    and stores it in the module's `hybrid.manifest`. How a target calls its
    entry points is the target's (hybrid-cpu-mark-entry-points).
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cpu\"",
           "Backend the artifact is for (the manifest's target.kind)">
  ];
  // Its contract attributes (HybridAttrs.td) are the hybrid dialect's.
  let dependentDialects = ["::mlir::hybrid::HybridDialect"];
}

def HybridReturnStateInPlacePass : Pass<"hybrid-return-state-in-place",
                                        "::mlir::ModuleOp"> {
  let summary = "Drops state results that bufferized onto their argument";
  let description = [{
    Runs after one-shot bufferization of function boundaries. A result
    tagged `{hybrid.state = "name"}` must be the buffer of the argument with
    the same tag: the state was updated in place and the result is dropped.
    If bufferization had to write the new state elsewhere, it is copied into
    the argument first (and counted, since a copy costs a pass over the
    state), so that the caller's buffer always holds the new state.
  }];
  let dependentDialects = [
    "::mlir::hybrid::HybridDialect", "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numInPlace", "num-in-place", "State results updated in place">,
    Statistic<"numCopied", "num-copied", "State results copied back">
  ];
}

#endif // HYBRIDC_PASSES_ABI_PASSES_TD
