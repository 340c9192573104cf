//===- Transforms/Passes.td - target-independent transforms -*- tablegen -*-===//
//
// The raising and fusion passes on hybrid IR (any model family, matched by
// structure), and the generic linalg-level transforms that every target's
// lowering runs after HybridToLinalg. A pass's flag equals its DEBUG_TYPE and
// the name of its test file under test/Transforms/.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TRANSFORMS_PASSES_TD
#define HYBRIDC_PASSES_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def HybridDecomposeFusedOpsPass : Pass<"hybrid-decompose-fused-ops"> {
  let summary = "Rewrites fused hybrid ops into the primitive ops they fuse";
  let description = [{
    The inverse of the fusion passes: a lowering that has no fused kernel
    for an op can still handle it after this pass, and the pair (fuse,
    decompose) lets a test check that a fused op means exactly its parts.

    `hybrid.add_layer_norm` likewise; `hybrid.gated_mlp %x, %g, %u, %d
    activation silu` becomes
    ```mlir
    %gx = hybrid.linear %x, %g ...
    %ux = hybrid.linear %x, %u ...
    %a  = hybrid.activation silu %gx ...
    %m  = arith.mulf %a, %ux ...
    %y  = hybrid.linear %m, %d ...
    ```
    and `%n, %s = hybrid.add_rms_norm %x, %r ...` becomes
    `%s = arith.addf %x, %r` and `%n = hybrid.rms_norm %s ...`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let statistics = [
    Statistic<"numDecomposed", "num-decomposed", "Fused ops decomposed">
  ];
}

def HybridRaiseActivationsPass : Pass<"hybrid-raise-activations"> {
  let summary = "Recognizes activations written as products of small ops";
  let description = [{
    Rewrites an activation that a model spells out as a product into the one
    `hybrid.activation` of the same math:
    ```mlir
    %r = hybrid.activation relu %x    // Nemotron-H's square(relu(x)), or
    %y = arith.mulf %r, %r            // relu(x) * relu(x) with two relus
    %s = hybrid.activation sigmoid %x
    %v = arith.mulf %x, %s            // either operand order
    ```
    becomes
    ```mlir
    %y = hybrid.activation relu2 %x
    %v = hybrid.activation silu %x
    ```
    so the gated MLP raising, the conv fusion and the lowering see one
    pointwise op. Only the same math is raised: `relu(x) * relu(y)`,
    `x * sigmoid(y)`, other activations, and a relu or sigmoid with a user
    outside the product (which would have to be computed twice) are left as
    they are.
  }];
  let statistics = [
    Statistic<"numRaised", "num-raised", "Activations raised">
  ];
}

def HybridRaiseNormsPass : Pass<"hybrid-raise-norms"> {
  let summary = "Recognizes Mamba-2's gated RMS norm written as small ops";
  let description = [{
    Rewrites the gated norm of a Mamba-2 mixer, as the models compute it
    (MambaRMSNormGated and its copies in Bamba, Nemotron-H, Granite 4,
    Falcon-H1, Zonos), into one `hybrid.gated_rms_norm`. With groups
    (`n_groups` > 1) the norm is taken over each group of D/G features:
    ```mlir
    %a  = hybrid.activation silu %z
    %g  = arith.mulf %y, %a                       // either operand order
    %e  = tensor.expand_shape %g [[0], [1], [2, 3]] ... into tensor<?x?xGxSxf32>
    %we = tensor.expand_shape %w [[0, 1]] ... into tensor<GxSxf32>
    %n  = hybrid.rms_norm %e weight(%we : tensor<GxSxf32>) eps 1.0e-05
    %o  = tensor.collapse_shape %n [[0], [1], [2, 3]]
    ```
    becomes
    ```mlir
    %o = hybrid.gated_rms_norm %y, %z weight %w eps 1.0e-05 group_size S
    ```
    and `hybrid.rms_norm %g weight(%w)` over the whole width gives
    `group_size D`. The product taken after the norm,
    `mulf(norm(y), silu(z))`, grouped or not, gives the same op with
    `norm_before_gate`. Only the same math is raised: another gate
    activation, a bias, a layer norm, a grouping of other dims, a weight not
    grouped like its input, or intermediates with other users leave the ops
    as they are. Whatever computes the weight is kept (a Gemma-style
    `1 + w` is an `arith.addf` feeding it).
  }];
  let statistics = [
    Statistic<"numRaised", "num-raised", "Gated RMS norms raised">
  ];
}

def HybridRaiseGatedMLPPass : Pass<"hybrid-raise-gated-mlp"> {
  let summary = "Recognizes gated MLPs written as small ops, by structure";
  let description = [{
    Rewrites
    ```mlir
    %g = hybrid.linear %x, %wg        // or one fused projection, split in two
    %u = hybrid.linear %x, %wu
    %a = hybrid.activation KIND %g
    %m = arith.mulf %a, %u            // either operand order
    %y = hybrid.linear %m, %wd
    ```
    into `%y = hybrid.gated_mlp %x, %wg, %wu, %wd activation KIND`, whatever
    family emitted it: Llama's SwiGLU, Gemma's GeGLU, a fused `gate_up_proj`
    whose gate half is first (Granite) or second (Zonos' fc1), with the
    roles taken from which half is activated. Only the same math is raised:
    biases, a scale between a projection and the activation (Falcon-H1's muP
    gate multiplier), other uses of the intermediates, different inputs, or
    an activation applied after the product leave the ops as they are.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numRaised", "num-raised", "Gated MLPs raised">
  ];
}

def HybridMergeProjectionsPass : Pass<"hybrid-merge-projections"> {
  let summary = "Merges bias-free projections of one input into one GEMM";
  let description = [{
    Every group of two or more bias-free `hybrid.linear`s that read the same
    input and whose weights are checkpoint tensors of one element type and
    one input width (Q, K and V of an attention; the attention and SSM input
    projections of an intra-layer hybrid; any family) becomes one linear over
    a `hybrid.packed_weight` of their weights, whose output is split back:
    ```mlir
    %q = hybrid.linear %x, %wq    %k = hybrid.linear %x, %wk    %v = ...
    ```
    becomes
    ```mlir
    %w = hybrid.packed_weight ["q", "k", "v"] : tensor<(Nq+Nk+Nv) x D>
    %qkv = hybrid.linear %x, %w
    %q, %k, %v = hybrid.split %qkv [Nq, Nk, Nv]
    ```
    so the input is read once and one kernel runs. Runs after
    hybrid-raise-gated-mlp, which keeps a gated MLP's gate and up apart.
  }];
  let statistics = [
    Statistic<"numMerged", "num-merged", "Projections merged into another">
  ];
}

def HybridFuseAddLayerNormPass : Pass<"hybrid-fuse-add-layer-norm"> {
  let summary = "Fuses a residual add into the layer norm that reads the sum";
  let description = [{
    `%s = arith.addf %a, %b` followed by `%n = hybrid.layer_norm %s ...`
    becomes `%n, %s2 = hybrid.add_layer_norm %a, %b ...`, the sum still
    available to its other users: hybrid-fuse-add-rms-norm for LayerNorm
    models.
  }];
  let statistics = [
    Statistic<"numFused", "num-fused", "Residual add + layer norm pairs fused">
  ];
}

def HybridFoldScalesPass : Pass<"hybrid-fold-scales"> {
  let summary = "Folds constant multipliers into the projections around them";
  let description = [{
    muP and Granite multipliers become `hybrid.scale` ops next to
    projections. This pass moves them into the projections' `output_scale`,
    which a GEMM applies in its epilogue at no cost:
    - `scale(linear(x, W, b), c)`, the linear having no other use, becomes
      `linear(x, W, b) {output_scale = c}` (attention-out, SSM-out, MLP down,
      residual and logits multipliers), and the same after a gated MLP or
      an embedding (muP's embedding multiplier);
    - `linear(scale(x, c), W)` for bias-free linears that are the scale's
      only users becomes `linear(x, W) {output_scale = c}` (attention-in and
      SSM-in multipliers, shared by Q, K and V);
    - `scale(split(linear(x, W, b))#i, c_i)` for any of the pieces, the
      linear having only the split as user, becomes the linear with
      `section_sizes`/`section_scales` over those pieces' features
      (Falcon-H1's per-section `ssm_multipliers` on the Mamba in_proj, its
      key multiplier after a merged Q/K/V GEMM).
    A bias after a pre-scale, or other users of either side, leave the ops
    as they are. Runs last among the fusions, so that a scaled projection
    does not stop a gated MLP from being raised.
  }];
  let statistics = [
    Statistic<"numFolded", "num-folded", "Scales folded into projections">
  ];
}

def HybridFuseAddRMSNormPass : Pass<"hybrid-fuse-add-rms-norm"> {
  let summary = "Fuses a residual add into the RMS norm that reads the sum";
  let description = [{
    `%s = arith.addf %a, %b` followed by `%n = hybrid.rms_norm %s ...`
    becomes `%n, %s2 = hybrid.add_rms_norm %a, %b ...`, the sum still
    available to its other users (the residual stream), so a backend reads
    the two inputs once and writes the sum and the normed value in one pass.
  }];
  let statistics = [
    Statistic<"numFused", "num-fused", "Residual add + RMS norm pairs fused">
  ];
}

def HybridFuseConvActivationPass : Pass<"hybrid-fuse-conv-activation"> {
  let summary = "Folds the SiLU after a causal conv into the conv";
  let description = [{
    `%y, %s = hybrid.causal_conv1d ...` (no activation) followed by
    `hybrid.activation silu %y` as the conv output's only use becomes the
    conv with `activation silu`, so the Mamba input path (in_proj split ->
    conv -> SiLU -> scan) reads and writes the activations once. Other
    activations, or a conv output with other users, are left alone.
  }];
  let statistics = [
    Statistic<"numFused", "num-fused", "Convolutions with a fused SiLU">
  ];
}

def HybridFoldDtIntoScanPass : Pass<"hybrid-fold-dt-into-scan"> {
  let summary = "Folds the time-step bias, softplus and limit into the scans";
  let description = [{
    The scan's time step as the Mamba mixers write it, in front of the scan:
    ```mlir
    %b  = linalg.broadcast ins(%dt_bias : tensor<8xf32>) outs(%e : tensor<?x?x8xf32>) dimensions = [0, 1]
    %s  = arith.addf %dt, %b : tensor<?x?x8xf32>
    %sp = hybrid.activation softplus %s : tensor<?x?x8xf32>
    %y, %h = hybrid.ssd_scan %x, %sp, ... state %h0 into %init chunk_size 256 ...
    ```
    becomes one scan that adds the bias, applies the softplus and the
    limit to each dt as it reads it (mamba_ssm's `delta_bias`,
    `delta_softplus` and `dt_limit`):
    ```mlir
    %y, %h = hybrid.ssd_scan %x, %dt, ... dt_bias(%dt_bias : tensor<8xf32>) state %h0 into %init
        chunk_size 256 {dt_softplus}
    ```
    Matched backwards from the scan's dt operand, inside out: a bias
    (a broadcast per-channel parameter added to dt, or the bias of the
    linear that produced dt, as Mamba-1's `dt_proj`), a softplus, then for
    `ssd_scan` a clamp (`arith.maximumf` with a positive splat, then
    `arith.minimumf` with a splat), each optional. A step whose result has
    another user ends the match there; a scan whose dt is already prepared,
    another activation, a non-splat bound, a scaled linear (whose scale
    would apply to its bias) and a clamp on `selective_scan` (which has no
    limit) are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
  let statistics = [
    Statistic<"numFolded", "num-folded", "Scans with their dt preparation">
  ];
}

def HybridFoldRoPEIntoAttentionPass : Pass<"hybrid-fold-rope-into-attention"> {
  let summary = "Folds the rotary embeddings of query and key into attention";
  let description = [{
    `hybrid.attention (hybrid.rope %q at %p ...), (hybrid.rope %k at %p ...)`
    with the same position operand as the attention and the same theta,
    rotary_dim and interleaving on both becomes one `hybrid.attention` with
    `rotary_dim`/`rope_theta`/`rope_interleaved`: a kernel can then rotate
    in registers while it reads q and writes the cache. Attention without
    RoPE (Nemotron-H, Granite 4) and mismatched or shared ropes stay as they
    are.
  }];
  let statistics = [
    Statistic<"numFolded", "num-folded", "Attentions with folded RoPE">
  ];
}

def HybridFuseLinearArgmaxPass : Pass<"hybrid-fuse-linear-argmax"> {
  let summary = "Fuses greedy sampling into the LM head that feeds it";
  let description = [{
    `%t = hybrid.argmax (hybrid.linear %h, %w)`, the logits having no other
    user, becomes `%t = hybrid.linear_argmax %h, %w` (keeping the linear's
    `output_scale`), so that a decode step asked only for the next token
    reduces each block of logits where it is computed instead of writing
    and re-reading `V` floats per token:
    ```mlir
    %l = hybrid.linear %h, %w : ... -> tensor<?x1x32000xf32>
    %t = hybrid.argmax %l : tensor<?x1x32000xf32> -> tensor<?x1xi64>
    ```
    becomes
    ```mlir
    %t = hybrid.linear_argmax %h, %w : ... -> tensor<?x1xi64>
    ```
    Logits that are also returned, a biased head, or a multiplier left
    between the head and the argmax (hybrid-fold-scales, which runs
    before, moves it into `output_scale`) leave the ops as they are.
  }];
  let statistics = [
    Statistic<"numFused", "num-fused", "LM heads fused with their argmax">
  ];
}

def HybridFuseElementwisePass : Pass<"hybrid-fuse-elementwise"> {
  let summary = "Fuses chains of elementwise linalg ops, keeping kernels apart";
  let description = [{
    Upstream's elementwise fusion, controlled: a producer is fused into its
    consumer only when it has a single use, and never into an op tagged
    `hybrid.kernel` (the GEMMs of `hybrid.linear`), where fusing a norm or an
    activation into the operand would recompute it once per output feature
    and hide the op from the target's micro-kernel.
  }];
  let dependentDialects = [
    "::mlir::hybrid::HybridDialect","::mlir::linalg::LinalgDialect"];
}

def HybridCloneSharedFillsPass : Pass<"hybrid-clone-shared-fills"> {
  let summary = "Gives every consumer of a shared linalg.fill a fill of its own";
  let description = [{
    Runs on tensors right before one-shot bufferization. A `linalg.fill`
    result used by several ops (CSE merges the zero initializations of all
    GEMMs and reductions of one shape) is cloned, with its `tensor.empty`,
    right before each op that takes it as a destination (init) operand;
    ops that only read it keep the shared fill. Bufferization then fills each
    destination in place instead of filling one buffer and copying it into
    a new one for every consumer.
  }];
  let statistics = [
    Statistic<"numCloned", "num-cloned", "fills cloned for a consumer">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def HybridReuseDeadInputsPass : Pass<"hybrid-reuse-dead-inputs"> {
  let summary = "Writes elementwise results over an input that dies there";
  let description = [{
    Runs on tensors before one-shot bufferization. An elementwise
    `linalg.generic` (parallel loops, one result) whose destination is a
    `tensor.empty` it does not read takes as destination instead one of its
    inputs that has the result's type, is read at the result's index, is
    read by no op after it, and is the result of a linalg op (possibly
    through reshapes). Bufferization then
    writes the result into that input's buffer in place, as it does for the
    ops `convert-elementwise-to-linalg` makes, instead of allocating one
    more buffer of the same size.
  }];
  let statistics = [
    Statistic<"numReused", "num-reused", "results written over a dying input">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // HYBRIDC_PASSES_TRANSFORMS_PASSES_TD
