//===- Passes.td - hybridc passes --------------------------*- tablegen -*-===//
//
// Every hybridc pass, grouped by phase. A pass's flag equals its DEBUG_TYPE
// and the name of its test file under test/Transforms/.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TD
#define HYBRIDC_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Decomposition
//===----------------------------------------------------------------------===//

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

//===----------------------------------------------------------------------===//
// Raising and fusion (hybrid IR -> hybrid IR, any model family)
//===----------------------------------------------------------------------===//

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

//===----------------------------------------------------------------------===//
// CPU lowering
//===----------------------------------------------------------------------===//

def HybridConvertToLinalgPass : Pass<"hybrid-convert-to-linalg"> {
  let summary = "Lowers hybrid ops to linalg, tensor, scf, arith and math";
  let description = [{
    Rewrites every hybrid op except `hybrid.weight` into upstream ops on
    tensors, keeping value semantics so that one-shot bufferization decides
    what is updated in place:
    - projections, norms, rope and pointwise ops become `linalg.generic`;
    - `attention` inserts the new keys/values into its cache operands with
      `tensor.insert_slice` and computes each output row in an `scf.forall`
      over (batch, token, head) with an online softmax over the visible rows;
    - `causal_conv1d` becomes two `linalg.generic`s (output, new window);
    - `selective_scan` and `ssd_scan` become an `scf.forall` over the
      independent lanes around the sequential recurrence;
    - `moe` becomes dense routing: every expert weighted by its gate;
    - fused ops are first decomposed (see hybrid-decompose-fused-ops).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
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
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
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
}

def HybridBuildManifestPass : Pass<"hybrid-build-manifest",
                                   "::mlir::ModuleOp"> {
  let summary = "Describes the module's ABI as the artifact manifest";
  let description = [{
    Runs after hybrid-bind-weights, on tensors. From the `hybrid.model`
    module attribute and the `hybrid.weight` / `hybrid.role` /
    `hybrid.state` argument and result attributes of every public function,
    builds the JSON manifest (version 2) of docs/ABI.md (weights,
    per-sequence state, entry points with their named inputs and outputs in
    final ABI order) and stores it in
    the `hybrid.manifest` module attribute. Marks the entry points
    `llvm.emit_c_interface`.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cpu\"",
           "Backend the artifact is for (the manifest's target.kind)">
  ];
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
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numInPlace", "num-in-place", "State results updated in place">,
    Statistic<"numCopied", "num-copied", "State results copied back">
  ];
}

//===----------------------------------------------------------------------===//
// CPU target
//===----------------------------------------------------------------------===//

def HybridEmitCPUEntryPointsPass : Pass<"hybrid-emit-cpu-entry-points",
                                        "::mlir::ModuleOp"> {
  let summary = "Emits the artifact's exported symbols in the LLVM dialect";
  let description = [{
    Runs on the LLVM dialect. For every `_mlir_ciface_NAME` function emits
    `hybrid_entry_NAME(ptr args, ptr env)`, which calls it with `args[i]` as
    the i-th memref descriptor pointer (`env`, the runtime's `hyb_env_t`, is
    unused on the CPU), and `hybrid_artifact_manifest()`, which
    returns the `hybrid.manifest` text (docs/ABI.md).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def HybridExpandStridedCopiesPass : Pass<"hybrid-cpu-expand-strided-copies"> {
  let summary = "Rewrites memref.copy between strided views as linalg.copy";
  let description = [{
    Runs on buffers. A `memref.copy` whose source or target is not
    contiguous (a slice of a KV cache or of a scan's state) would become a
    call to `memrefCopy` in MLIR's C runner utils: an element-by-element walk,
    and a run-time dependency of the artifact on libMLIR.so. As
    `linalg.copy` it lowers with the other linalg ops to loops whose
    innermost dimension has unit stride. Copies between contiguous buffers
    stay `memref.copy`, which becomes `llvm.memcpy`.
  }];
  let statistics = [
    Statistic<"numExpanded", "num-expanded", "strided copies rewritten">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def HybridVectorizeLinearPass : Pass<"hybrid-cpu-vectorize-linear"> {
  let summary = "Lowers hybrid.linear GEMMs on buffers to a vector micro-kernel";
  let description = [{
    Runs after bufferization on the `linalg.generic`s tagged
    `hybrid.kernel = "linear"` (`out_j[..., n] += Σ_k x[..., k] · w_j[n, k]`
    for one or more weights w_j of one shape, e.g. a gated MLP's gate and
    up: x is then loaded once for all of them).
    Each becomes an `scf.parallel` over blocks of `rows` output features
    (threads split the weight matrix, which is read once per call), a loop
    over the tokens, and an inner loop over `k` that keeps `rows` vector
    accumulators of `lanes` f32 in registers, with `vector.load` of the
    contiguous weight rows (widened from bf16/f16 in registers) and
    `vector.fma`. A decode step's GEMV is then bound by memory bandwidth.
    Prefill blocks several tokens per weight load, as many as keep the
    accumulators in half of the target's `registers`.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", "16",
           "f32 lanes per accumulator (16 = one AVX-512 register)">,
    Option<"rows", "rows", "int64_t", "4",
           "output features per block and weight (accumulators in registers)">,
    Option<"registers", "registers", "int64_t", "32",
           "vector registers of the target (32 with AVX-512, 16 with AVX2): "
           "half of them hold accumulators, the rest the loads">
  ];
  let dependentDialects = [
    "::mlir::vector::VectorDialect", "::mlir::scf::SCFDialect",
    "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"
  ];
}

#endif // HYBRIDC_PASSES_TD
