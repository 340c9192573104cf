//===- HybridBase.td - hybrid dialect definition -----------*- tablegen -*-===//
//
// The `hybrid` dialect: model-level ops of hybrid attention / state-space
// sequence models, on tensors with value semantics and explicit state.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_BASE_TD
#define HYBRID_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Hybrid_Dialect : Dialect {
  let name = "hybrid";
  let summary = "Ops of hybrid attention / state-space sequence models";
  let description = [{
    The `hybrid` dialect describes a language model the way its authors do:
    embeddings, projections, norms, rotary embeddings, attention, causal
    depthwise convolutions, selective scans (Mamba-1) and state-space-duality
    scans (Mamba-2), gated MLPs and mixtures of experts.

    Ops work on ranked tensors with value semantics. Every op that carries
    state across calls (attention's KV cache, the convolution window, the SSM
    state) takes the old state as an operand and returns the new state as a
    result, in destination-passing style: the state operand is the `init` of
    the state result, so one-shot bufferization writes the update in place into
    the buffer that the runtime owns. Nothing in the dialect is hidden global
    state; a decode step is a pure function of its operands.

    Weights are not function arguments: `hybrid.weight` names a checkpoint
    tensor, so a HuggingFace checkpoint binds by its own tensor names.

    See `docs/Dialects/Hybrid/RationaleHybrid.md` for why the ops are shaped
    as they are.
  }];
  let cppNamespace = "::mlir::hybrid";
  let useDefaultAttributePrinterParser = 1;

  // The typed contract between the frontend, the passes and the targets
  // (HybridAttrs.td): each fact one typed attribute under one name, reached
  // through the generated get<Name>AttrHelper(), and verified where it is
  // attached.
  let discardableAttrs = (ins
    // On the module: what it was built from (frontend, then hybridc).
    "::mlir::hybrid::ModelAttr":$model,
    // On the module: the artifact manifest, JSON (hybrid-build-manifest).
    "::mlir::StringAttr":$manifest,
    // On a linalg op: it is a hybrid.linear's GEMM, with this epilogue.
    "::mlir::hybrid::GemmAttr":$gemm,
    // On entry point arguments and results.
    "::mlir::hybrid::StateAttr":$state,
    "::mlir::hybrid::ArgRoleAttr":$role,
    "::mlir::hybrid::WeightBindingAttr":$weight,
    // On a gpu.module: every kernel in it waits for the grid launched
    // before it (griddepcontrol.wait) before it touches memory, so the
    // runtime may launch each while that one is finishing
    // (hybrid-cuda-overlap-kernel-launches; the manifest says so to the
    // runtime as target.kernels_wait_for_prior_grid).
    "::mlir::UnitAttr":$waits_for_prior_grid
  );
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;

  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

// A specialized integer attribute (not a dialect attribute), printed as a bare
// keyword in op syntax (`activation silu`) like arith's comparison predicates.
def Hybrid_ActivationAttr : I32EnumAttr<"ActivationKind",
    "pointwise activation function", [
      I32EnumAttrCase<"silu", 0>,
      I32EnumAttrCase<"gelu", 1>,
      I32EnumAttrCase<"gelu_tanh", 2>,
      I32EnumAttrCase<"relu", 3>,
      I32EnumAttrCase<"relu2", 4>,
      I32EnumAttrCase<"sigmoid", 5>,
      I32EnumAttrCase<"softplus", 6>,
      I32EnumAttrCase<"identity", 7>
    ]> {
  let cppNamespace = "::mlir::hybrid";
}

def Hybrid_RouterScoringAttr : I32EnumAttr<"RouterScoring",
    "how a mixture-of-experts router turns logits into expert scores", [
      I32EnumAttrCase<"softmax", 0>,
      I32EnumAttrCase<"sigmoid", 1>
    ]> {
  let cppNamespace = "::mlir::hybrid";
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Hybrid_FloatTensor : RankedTensorOf<[F32, F16, BF16, F64]>;
def Hybrid_IntTensor : RankedTensorOf<[I32, I64]>;
// Start position of each sequence of the batch: tensor<B x i64>.
def Hybrid_PositionTensor : 1DTensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// Base op
//===----------------------------------------------------------------------===//

class Hybrid_Op<string mnemonic, list<Trait> traits = []>
    : Op<Hybrid_Dialect, mnemonic, traits>;

#endif // HYBRID_BASE_TD
