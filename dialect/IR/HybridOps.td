//===- HybridOps.td - hybrid dialect ops -------------------*- tablegen -*-===//
//
// Shape conventions used throughout (see RationaleHybrid.md):
//   activations  [B, T, D]        batch, tokens of this call, features
//   heads        [B, T, H, Dh]    after a projection is viewed per head
//   positions    [B] x i64        first position of this call, per sequence
// Dynamic sizes are allowed anywhere; verifiers check every static size.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_OPS_TD
#define HYBRID_OPS_TD

include "dialect/IR/HybridBase.td"
include "dialect/IR/HybridAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"

// Ops that update state in place: `numInits` consecutive operands, starting
// at `$init`, are the inits of the results in order
// (DestinationStyleOpInterface). The op declares `$init` first of them and
// the rest right after it, before any optional operand.
class Hybrid_StatefulOp<string mnemonic, int numInits, list<Trait> traits = []>
    : Hybrid_Op<mnemonic, !listconcat(traits, [Pure,
        DestinationStyleOpInterface])> {
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(),
          getInitMutable().getOperandNumber(), }] # numInits # [{);
    }
  }];
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def Hybrid_WeightOp : Hybrid_Op<"weight", [Pure]> {
  let summary = "a model parameter bound by its checkpoint name";
  let description = [{
    Names one tensor of the model's checkpoint. The runtime maps the tensor
    of that name (a safetensors entry) and checks its dtype and shape against
    the result type before anything runs. The element type is the type the
    weight is stored in; ops that consume weights accept a storage type that
    differs from their compute type (bf16 weights, f32 arithmetic).

    `access` says how the entry points read it, once
    `hybrid-mark-gathered-weights` has looked at its uses: `gather` for a
    table read only at the rows token ids select.

    ```mlir
    %wq = hybrid.weight "model.layers.0.self_attn.q_proj.weight" : tensor<64x64xbf16>
    %we = hybrid.weight "model.embed_tokens.weight" access <gather> : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name,
                       OptionalAttr<Hybrid_WeightAccessAttr>:$access);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$name (`access` $access^)? attr-dict `:` type($result)";
  let builders = [
    // A weight before hybrid-mark-gathered-weights has looked at its uses.
    OpBuilder<(ins "::mlir::Type":$type, "::llvm::StringRef":$name), [{
      build($_builder, $_state, type, name, WeightAccessAttr());
    }]>
  ];

  let hasVerifier = 1;
}

def Hybrid_StackedWeightOp : Hybrid_Op<"stacked_weight", [Pure]> {
  let summary = "several checkpoint tensors stacked along a new leading dim";
  let description = [{
    Stacks N checkpoint tensors of equal shape `S` into one `tensor<N x S>`.
    Mixture-of-experts checkpoints store one tensor per expert
    (`experts.3.up_proj.weight`); the stacked form is what `hybrid.moe`
    consumes. The runtime assembles the stack once, when weights are bound.

    ```mlir
    %up = hybrid.stacked_weight ["e.0.up.weight", "e.1.up.weight"] : tensor<2x128x64xf32>
    ```
  }];
  let arguments = (ins StrArrayAttr:$names);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$names attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Hybrid_PackedWeightOp : Hybrid_Op<"packed_weight", [Pure]> {
  let summary = "several checkpoint tensors concatenated along their rows";
  let description = [{
    The rows of N checkpoint tensors `[R_i, ...]` (equal trailing dims) one
    after the other: `tensor<(ΣR_i) x ...>`. `hybrid-merge-projections`
    packs the projections that read one input (Q, K and V; an intra-layer
    hybrid's attention and SSM input projections) so that one GEMM computes
    them all. The runtime packs the tensors once, when weights are bound; a
    checkpoint that already stores them fused needs no packing.

    `rows` gives each tensor's row count, so the op says exactly which rows
    of the result come from which tensor.

    ```mlir
    %qkv = hybrid.packed_weight ["q.weight", "k.weight", "v.weight"] rows [64, 32, 32] : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins StrArrayAttr:$names, DenseI64ArrayAttr:$rows);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$names `rows` $rows attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Embedding and projections
//===----------------------------------------------------------------------===//

def Hybrid_EmbeddingOp : Hybrid_Op<"embedding", [Pure]> {
  let summary = "gathers rows of an embedding table";
  let description = [{
    `result[..., :] = table[ids[...], :]` for a table `[V, D]` and integer ids
    of any shape; rows may be widened to the result's element type (a bf16
    table feeding f32 activations). Ids outside `[0, V)` are a runtime error the lowering
    checks; they never read out of bounds. `output_scale` (1 by default)
    multiplies the gathered rows: muP's `embedding_multiplier`, folded in
    by `hybrid-fold-scales`.

    ```mlir
    %h = hybrid.embedding %table[%ids] : tensor<128x64xf32>, tensor<1x?xi64> -> tensor<1x?x64xf32>
    %s = hybrid.embedding %table[%ids] {output_scale = 1.75 : f64} : tensor<128x64xf32>, tensor<1x?xi64> -> tensor<1x?x64xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$table, Hybrid_IntTensor:$ids,
                       DefaultValuedAttr<F64Attr, "1.0">:$output_scale);
  let results = (outs Hybrid_FloatTensor:$result);
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$table,
                   "::mlir::Value":$ids), [{
      build($_builder, $_state, result, table, ids,
            $_builder.getF64FloatAttr(1.0));
    }]>
  ];
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hybrid_LinearOp : Hybrid_Op<"linear", [Pure]> {
  let summary = "y = x Wᵀ + b over the last dimension";
  let description = [{
    The PyTorch `nn.Linear` convention: `weight` is `[N, K]` (out, in), so a
    checkpoint's projection binds without a transpose. `output_scale` (1 by
    default) multiplies the result: `(x Wᵀ + b) · output_scale`, the place
    where `hybrid-fold-scales` puts muP multipliers so a GEMM's epilogue
    applies them. `section_sizes`/`section_scales` (both or neither) scale
    consecutive sections of the output features on top of that: feature
    `n` in section `i` is multiplied by `section_scales[i]`. They hold the
    multipliers of pieces of a projection that is split afterwards
    (Falcon-H1's per-section `ssm_multipliers` on the Mamba in_proj, its
    key multiplier on a merged Q/K/V). `input` is `[..., K]`
    and the result `[..., N]`. The weight may be stored in a narrower type
    than the input (bf16 weights, f32 activations); the result has the
    input's element type.

    ```mlir
    %q = hybrid.linear %x, %wq : tensor<1x?x64xf32>, tensor<128x64xbf16> -> tensor<1x?x128xf32>
    %o = hybrid.linear %x, %w bias %b : tensor<1x?x64xf32>, tensor<32x64xf32>, tensor<32xf32> -> tensor<1x?x32xf32>
    %p = hybrid.linear %x, %w {section_sizes = array<i64: 16, 8, 8>, section_scales = array<f64: 1.0, 0.5, 2.0>}
        : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$weight,
                       Optional<Hybrid_FloatTensor>:$bias,
                       DefaultValuedAttr<F64Attr, "1.0">:$output_scale,
                       OptionalAttr<DenseI64ArrayAttr>:$section_sizes,
                       OptionalAttr<DenseF64ArrayAttr>:$section_scales);
  let results = (outs Hybrid_FloatTensor:$result);
  let builders = [
    // The plain projection (output_scale 1).
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input,
                   "::mlir::Value":$weight, "::mlir::Value":$bias), [{
      build($_builder, $_state, result, input, weight, bias,
            $_builder.getF64FloatAttr(1.0), nullptr, nullptr);
    }]>,
    // A uniform output_scale, no sections.
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input,
                   "::mlir::Value":$weight, "::mlir::Value":$bias,
                   "::mlir::FloatAttr":$output_scale), [{
      build($_builder, $_state, result, input, weight, bias, output_scale,
            nullptr, nullptr);
    }]>
  ];
  let extraClassDeclaration = [{
    /// Whether every output feature is multiplied by the same constant.
    bool hasUniformScale() { return !getSectionScales(); }
  }];
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict
    `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hybrid_SplitOp : Hybrid_Op<"split", [Pure]> {
  let summary = "splits the last dimension into consecutive pieces";
  let description = [{
    Cuts `[..., D]` into results `[..., sizes[i]]` with `sum(sizes) = D`.
    Fused projections produce several tensors at once: Mamba's `in_proj`
    gives `(z, xBC, dt)`, a fused QKV gives `(q, k, v)`, and an intra-layer
    hybrid's shared projection gives the attention and SSM branches.
    (Concatenation, the matching merge, is upstream's `tensor.concat`.)

    ```mlir
    %z, %xbc, %dt = hybrid.split %p [128, 160, 4] : tensor<1x?x292xf32> -> tensor<1x?x128xf32>, tensor<1x?x160xf32>, tensor<1x?x4xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Hybrid_FloatTensor>:$results);
  let assemblyFormat = [{
    $input $sizes attr-dict `:` type($input) `->` type($results)
  }];
  let hasVerifier = 1;
  // A one-piece split is its input; a concat of consecutive pieces (Mamba-2
  // re-joining x, B and C of its in_proj for the conv) is one larger piece.
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Pointwise
//===----------------------------------------------------------------------===//

def Hybrid_ActivationOp : Hybrid_Op<"activation",
    [Pure, SameOperandsAndResultType]> {
  let summary = "pointwise activation";
  let description = [{
    Applies one activation to every element: `silu` (x·σ(x)), `gelu` (erf
    form), `gelu_tanh`, `relu`, `relu2` (relu(x)², Nemotron-H / Primer),
    `sigmoid`, `softplus` (log(1 + eˣ)) or `identity`.

    ```mlir
    %a = hybrid.activation silu %x : tensor<1x?x128xf32>
    ```
  }];
  let arguments = (ins Hybrid_ActivationAttr:$kind, Hybrid_FloatTensor:$input);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
}

def Hybrid_ScaleOp : Hybrid_Op<"scale", [Pure, SameOperandsAndResultType]> {
  let summary = "multiplies every element by a compile-time constant";
  let description = [{
    The muP and Granite multipliers (embedding, residual, attention-out,
    logits) are constants of the config. A dedicated op keeps them visible to
    the fusion passes, which fold chains of scales into one and then into
    the neighbouring projection or norm.

    ```mlir
    %y = hybrid.scale %x by 1.25 : tensor<1x?x64xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, F64Attr:$factor);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$input `by` $factor attr-dict `:` type($input)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

def Hybrid_RMSNormOp : Hybrid_Op<"rms_norm",
    [Pure, AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>]> {
  let summary = "RMS normalization over the last dimension";
  let description = [{
    `y = x / sqrt(mean(x², -1) + eps) * weight + bias`. The optional weight
    and bias have the shape of the trailing dims of `input` (usually `[D]`;
    `[H, Dh]` gives a per-head norm of a `[B, T, H, Dh]` view). A
    Gemma-style `(1 + w)` weight is expressed by the producer of `weight`,
    not by a flag; the bias is what Zonos' final norm adds.

    ```mlir
    %y = hybrid.rms_norm %x weight(%w : tensor<64xf32>) eps 1.0e-05 : tensor<1x?x64xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input,
                       Optional<Hybrid_FloatTensor>:$weight,
                       Optional<Hybrid_FloatTensor>:$bias, F64Attr:$epsilon);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` `(` $weight^ `:` type($weight) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)? `eps` $epsilon
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Hybrid_LayerNormOp : Hybrid_Op<"layer_norm",
    [Pure, AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>]> {
  let summary = "layer normalization over the last dimension";
  let description = [{
    `y = (x - mean) / sqrt(var + eps) * weight + bias`, biased variance,
    over the last dimension. Weight and bias are optional and shaped as the
    trailing dims of `input`.

    ```mlir
    %y = hybrid.layer_norm %x weight %w bias %b eps 1.0e-05 : tensor<1x?x64xf32>, tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input,
                       Optional<Hybrid_FloatTensor>:$weight,
                       Optional<Hybrid_FloatTensor>:$bias, F64Attr:$epsilon);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` `(` $weight^ `:` type($weight) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)? `eps` $epsilon attr-dict
    `:` type($input)
  }];
  let hasVerifier = 1;
}

def Hybrid_AddRMSNormOp : Hybrid_Op<"add_rms_norm", [Pure,
    AllTypesMatch<["input", "residual", "result", "sum"]>]> {
  let summary = "residual add followed by RMS normalization";
  let description = [{
    Returns `rms_norm(input + residual)` and the sum itself, which is the
    next layer's residual: the pre-norm block written as one pass over
    memory (mamba_ssm's fused add+norm).

    ```mlir
    %normed, %sum = hybrid.add_rms_norm %x, %res weight %w eps 1.0e-05 : tensor<1x?x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$residual,
                       Optional<Hybrid_FloatTensor>:$weight, F64Attr:$epsilon);
  let results = (outs Hybrid_FloatTensor:$result, Hybrid_FloatTensor:$sum);
  let assemblyFormat = [{
    $input `,` $residual (`weight` `(` $weight^ `:` type($weight) `)`)?
    `eps` $epsilon attr-dict
    `:` type($input)
  }];
  let hasVerifier = 1;
}

def Hybrid_AddLayerNormOp : Hybrid_Op<"add_layer_norm", [Pure,
    AttrSizedOperandSegments,
    AllTypesMatch<["input", "residual", "result", "sum"]>]> {
  let summary = "residual add followed by layer normalization";
  let description = [{
    Returns `layer_norm(input + residual)` and the sum itself (the next
    residual): `hybrid.add_rms_norm` for models whose norms are LayerNorms
    (Zonos with `rms_norm: false`, GPT-NeoX-style blocks).

    ```mlir
    %normed, %sum = hybrid.add_layer_norm %x, %res weight(%w : tensor<64xf32>) bias(%b : tensor<64xf32>) eps 1.0e-05 : tensor<1x?x64xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$residual,
                       Optional<Hybrid_FloatTensor>:$weight,
                       Optional<Hybrid_FloatTensor>:$bias, F64Attr:$epsilon);
  let results = (outs Hybrid_FloatTensor:$result, Hybrid_FloatTensor:$sum);
  let assemblyFormat = [{
    $input `,` $residual (`weight` `(` $weight^ `:` type($weight) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)? `eps` $epsilon attr-dict
    `:` type($input)
  }];
  let hasVerifier = 1;
}

def Hybrid_GatedRMSNormOp : Hybrid_Op<"gated_rms_norm",
    [Pure, AllTypesMatch<["input", "gate", "result"]>]> {
  let summary = "Mamba-2's RMS norm with a SiLU gate, per group";
  let description = [{
    With `norm_before_gate = false` (Mamba-2's default):
    `y = rms_norm_g(x · silu(z)) · w`; with `norm_before_gate = true`:
    `y = rms_norm_g(x) · w · silu(z)`. `rms_norm_g` normalizes each group of
    `group_size` consecutive features of the last dimension separately
    (`group_size` = D / ngroups in mamba_ssm; equal to D for one group).

    ```mlir
    %y = hybrid.gated_rms_norm %x, %z weight %w eps 1.0e-05 group_size 64 : tensor<1x?x128xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$gate,
                       Hybrid_FloatTensor:$weight, F64Attr:$epsilon,
                       I64Attr:$group_size, UnitAttr:$norm_before_gate);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gate `weight` $weight `eps` $epsilon `group_size` $group_size
    attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Hybrid_RoPEOp : Hybrid_Op<"rope",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding of per-head vectors";
  let description = [{
    Rotates the first `rotary_dim` features of every head of `input`
    (`[B, T, H, Dh]`); token `t` of sequence `b` is at position
    `position[b] + t`, with frequencies `theta^(-2i/rotary_dim)`. Features
    past `rotary_dim` pass through (partial rotary: Bamba, GPT-NeoX).
    `interleaved` pairs features (2i, 2i+1) (GPT-J, Zonos); otherwise (i,
    i + rotary_dim/2) (Llama's rotate_half).

    ```mlir
    %qr = hybrid.rope %q at %pos theta 1.0e+04 rotary_dim 16 : tensor<1x?x4x16xf32>, tensor<1xi64>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_PositionTensor:$position,
                       F64Attr:$theta, I64Attr:$rotary_dim, UnitAttr:$interleaved);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input `at` $position `theta` $theta `rotary_dim` $rotary_dim attr-dict
    `:` type($input) `,` type($position)
  }];
  let hasVerifier = 1;
}

def Hybrid_AttentionOp : Hybrid_StatefulOp<"attention", 3, [
    AllTypesMatch<["query", "init", "result"]>,
    AllTypesMatch<["key", "value"]>,
    AllTypesMatch<["key_cache", "value_cache", "new_key_cache",
                   "new_value_cache"]>]> {
  let summary = "causal multi-head attention over an explicit KV cache";
  let description = [{
    `query` is `[B, T, Hq, Dh]`, `key`/`value` `[B, T, Hkv, Dh]` with `Hkv`
    dividing `Hq` (MHA, GQA, MQA), caches `[B, S, Hkv, Dh]` and `position`
    `[B]`. For each sequence `b` the op writes the T new keys and values at
    rows `position[b] .. position[b] + T - 1` of the caches, then lets token
    `t` (at `p = position[b] + t`) attend to cache rows `j` with
    `j <= p` and, when `window > 0`, `j > p - window` or `j < sink`. Scores
    are scaled by `scale`. The updated caches are results (destination
    style: the cache operands are their inits), so after bufferization the
    write lands in place. Writing past row `S - 1` is a runtime error.

    With `rotary_dim > 0` the op first applies `hybrid.rope` (with
    `rope_theta`, `rotary_dim`, `rope_interleaved`, at `position`) to the
    query and the key, so the rotated key is what the cache stores: the form
    `hybrid-fold-rope-into-attention` produces, which lets a kernel rotate
    in registers instead of in a separate pass over memory.

    ```mlir
    %o, %k1, %v1 = hybrid.attention %q, %k, %v at %pos cache(%k0, %v0) into %init scale 0.25
        : tensor<1x?x4x16xf32>, tensor<1x?x2x16xf32>, tensor<1xi64>, tensor<1x128x2x16xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$query, Hybrid_FloatTensor:$key,
                       Hybrid_FloatTensor:$value,
                       Hybrid_PositionTensor:$position,
                       Hybrid_FloatTensor:$init,
                       Hybrid_FloatTensor:$key_cache,
                       Hybrid_FloatTensor:$value_cache,
                       F64Attr:$scale,
                       DefaultValuedAttr<I64Attr, "0">:$window,
                       DefaultValuedAttr<I64Attr, "0">:$sink,
                       DefaultValuedAttr<I64Attr, "0">:$rotary_dim,
                       OptionalAttr<F64Attr>:$rope_theta,
                       UnitAttr:$rope_interleaved);
  let results = (outs Hybrid_FloatTensor:$result,
                      Hybrid_FloatTensor:$new_key_cache,
                      Hybrid_FloatTensor:$new_value_cache);
  let assemblyFormat = [{
    $query `,` $key `,` $value `at` $position
    `cache` `(` $key_cache `,` $value_cache `)` `into` $init `scale` $scale
    (`window` $window^)? (`sink` $sink^)? attr-dict
    `:` type($query) `,` type($key) `,` type($position) `,` type($key_cache)
  }];
}

//===----------------------------------------------------------------------===//
// State-space mixers
//===----------------------------------------------------------------------===//

def Hybrid_CausalConv1dOp : Hybrid_StatefulOp<"causal_conv1d", 2, [
    AllTypesMatch<["input", "init", "result"]>,
    AllTypesMatch<["state", "new_state"]>]> {
  let summary = "causal depthwise 1-D convolution with a carried window";
  let description = [{
    `input` is `[B, T, C]`, `weight` `[C, K]`, optional `bias` `[C]`, and
    `state` `[B, C, K-1]` holds the last K-1 inputs of the previous call
    (zeros for a new sequence). Output `t` of channel `c` is
    `act(bias[c] + Σ_k weight[c, k] · x̂[t + k])`, where `x̂` is the state
    followed by the input. The new state is the last K-1 columns of `x̂`.
    `activation` (SiLU in Mamba) is fused here because every Mamba block
    applies it to the convolution's output.

    ```mlir
    %y, %s1 = hybrid.causal_conv1d %x, %w bias %b state %s0 into %init activation silu
        : tensor<1x?x160xf32>, tensor<160x4xf32>, tensor<160xf32>, tensor<1x160x3xf32>
    ```
  }];
  // Inits precede the optional operands so that result types are inferred
  // from fixed operand positions.
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$weight,
                       Hybrid_FloatTensor:$init, Hybrid_FloatTensor:$state,
                       Optional<Hybrid_FloatTensor>:$bias,
                       DefaultValuedAttr<Hybrid_ActivationAttr,
                           "::mlir::hybrid::ActivationKind::identity">:$activation);
  let results = (outs Hybrid_FloatTensor:$result,
                      Hybrid_FloatTensor:$new_state);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `:` type($bias) `)`)? `state` $state `into` $init
    (`activation` $activation^)? attr-dict
    `:` type($input) `,` type($weight) `,` type($state)
  }];
}

def Hybrid_SelectiveScanOp : Hybrid_StatefulOp<"selective_scan", 2, [
    AttrSizedOperandSegments,
    AllTypesMatch<["input", "delta", "init", "result"]>,
    AllTypesMatch<["b", "c"]>,
    AllTypesMatch<["state", "new_state"]>]> {
  let summary = "Mamba-1 selective scan with per-channel A";
  let description = [{
    The recurrence of mamba_ssm's `selective_scan_fn`, per channel `d` and
    state index `n`:
    ```
    Δ = softplus(delta + delta_bias)   (softplus only with `delta_softplus`)
    h[t] = exp(Δ[t,d] · A[d,n]) · h[t-1] + Δ[t,d] · B[t,n] · u[t,d]
    y[t,d] = Σ_n C[t,n] · h[t,n] + D[d] · u[t,d]     (· silu(z[t,d]) if gated)
    ```
    `input` (u) and `delta` are `[B, T, Dm]`, `a` `[Dm, N]` (already
    negative: `-exp(A_log)`), `b`/`c` `[B, T, N]`, `skip` (D) `[Dm]`, `gate`
    (z) `[B, T, Dm]`, `delta_bias` `[Dm]`, `state` `[B, Dm, N]`. It is an op,
    not a loop nest, because its best lowering (a parallel scan over T,
    chunked on GPUs) is not one a generic loop optimizer would find.

    ```mlir
    %y, %h1 = hybrid.selective_scan %u, %dt, %a, %bm, %cm skip %d gate %z delta_bias %db
        state %h0 into %init delta_softplus
        : tensor<1x?x128xf32>, tensor<128x16xf32>, tensor<1x?x16xf32>, tensor<128xf32>,
          tensor<1x?x128xf32>, tensor<128xf32>, tensor<1x128x16xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$delta,
                       Hybrid_FloatTensor:$a, Hybrid_FloatTensor:$b,
                       Hybrid_FloatTensor:$c,
                       Hybrid_FloatTensor:$init, Hybrid_FloatTensor:$state,
                       Optional<Hybrid_FloatTensor>:$skip,
                       Optional<Hybrid_FloatTensor>:$gate,
                       Optional<Hybrid_FloatTensor>:$delta_bias,
                       UnitAttr:$delta_softplus);
  let results = (outs Hybrid_FloatTensor:$result,
                      Hybrid_FloatTensor:$new_state);
  let assemblyFormat = [{
    $input `,` $delta `,` $a `,` $b `,` $c
    (`skip` `(` $skip^ `:` type($skip) `)`)?
    (`gate` `(` $gate^ `:` type($gate) `)`)?
    (`delta_bias` `(` $delta_bias^ `:` type($delta_bias) `)`)?
    `state` $state `into` $init attr-dict
    `:` type($input) `,` type($a) `,` type($b) `,` type($state)
  }];
}

def Hybrid_SSDScanOp : Hybrid_StatefulOp<"ssd_scan", 2, [
    AttrSizedOperandSegments,
    AllTypesMatch<["input", "init", "result"]>,
    AllTypesMatch<["b", "c"]>,
    AllTypesMatch<["state", "new_state"]>]> {
  let summary = "Mamba-2 state-space-duality scan with per-head scalar A";
  let description = [{
    The recurrence of mamba_ssm's `mamba_chunk_scan_combined`, per head `h`
    (group `g = h / (H / G)`), head feature `p` and state index `n`:
    ```
    Δ[t,h] = clamp(softplus(dt[t,h] + dt_bias[h]), dt_min, dt_max)
    S[t,h,p,n] = exp(Δ·A[h]) · S[t-1,h,p,n] + Δ · B[t,g,n] · x[t,h,p]
    y[t,h,p] = Σ_n C[t,g,n] · S[t,h,p,n] + D[h] · x[t,h,p]   (· silu(z) if gated)
    ```
    `input` (x) is `[B, T, H, P]`, `dt` `[B, T, H]`, `a` `[H]` (negative),
    `b`/`c` `[B, T, G, N]`, `skip` (D) `[H]`, `gate` (z) `[B, T, H, P]`,
    `dt_bias` `[H]` and `state` `[B, H, P, N]`. `chunk_size` is the block
    length of the chunked (matrix) form that lowerings may use; it does not
    change the math beyond rounding.

    ```mlir
    %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %bm, %cm skip %d dt_bias %db state %s0 into %init
        chunk_size 256 dt_softplus
        : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x1x16xf32>,
          tensor<8xf32>, tensor<8xf32>, tensor<1x8x16x16xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$dt,
                       Hybrid_FloatTensor:$a, Hybrid_FloatTensor:$b,
                       Hybrid_FloatTensor:$c,
                       Hybrid_FloatTensor:$init, Hybrid_FloatTensor:$state,
                       Optional<Hybrid_FloatTensor>:$skip,
                       Optional<Hybrid_FloatTensor>:$gate,
                       Optional<Hybrid_FloatTensor>:$dt_bias,
                       I64Attr:$chunk_size, UnitAttr:$dt_softplus,
                       DefaultValuedAttr<F64Attr, "0.0">:$dt_min,
                       OptionalAttr<F64Attr>:$dt_max);
  let results = (outs Hybrid_FloatTensor:$result,
                      Hybrid_FloatTensor:$new_state);
  let assemblyFormat = [{
    $input `,` $dt `,` $a `,` $b `,` $c
    (`skip` `(` $skip^ `:` type($skip) `)`)?
    (`gate` `(` $gate^ `:` type($gate) `)`)?
    (`dt_bias` `(` $dt_bias^ `:` type($dt_bias) `)`)? `state` $state `into` $init
    `chunk_size` $chunk_size attr-dict
    `:` type($input) `,` type($dt) `,` type($a) `,` type($b) `,` type($state)
  }];
}

//===----------------------------------------------------------------------===//
// Feed-forward
//===----------------------------------------------------------------------===//

def Hybrid_GatedMLPOp : Hybrid_Op<"gated_mlp", [Pure]> {
  let summary = "down(act(x gateᵀ · gate_scale) · (x upᵀ)) · output_scale";
  let description = [{
    The gated feed-forward of Llama (SwiGLU), Gemma (GeGLU), Zonos'
    `GatedMLP` and most hybrids. `gate` and `up` are `[I, D]`, `down`
    `[D', I]`. Frontends emit the unfused form (two `linear`s, an
    `activation` and a multiply); `hybrid-raise-gated-mlp` forms this op
    when the math is the same, so lowerings can merge the two GEMMs and fuse
    the activation into their epilogue. `gate_scale` multiplies the gate
    projection before the activation and `output_scale` the result (both 1
    by default): Falcon-H1's muP `mlp_multipliers`, which a GEMM epilogue
    applies for free, as `hybrid.linear`'s `output_scale`.

    ```mlir
    %y = hybrid.gated_mlp %x, %wg, %wu, %wd activation silu
        : tensor<1x?x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64x256xf32> -> tensor<1x?x64xf32>
    %z = hybrid.gated_mlp %x, %wg, %wu, %wd activation silu {gate_scale = 0.75 : f64, output_scale = 1.25 : f64}
        : tensor<1x?x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64x256xf32> -> tensor<1x?x64xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$gate,
                       Hybrid_FloatTensor:$up, Hybrid_FloatTensor:$down,
                       Hybrid_ActivationAttr:$activation,
                       DefaultValuedAttr<F64Attr, "1.0">:$gate_scale,
                       DefaultValuedAttr<F64Attr, "1.0">:$output_scale);
  let results = (outs Hybrid_FloatTensor:$result);
  let builders = [
    // Without multipliers (both scales 1).
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input,
                   "::mlir::Value":$gate, "::mlir::Value":$up,
                   "::mlir::Value":$down,
                   "::mlir::hybrid::ActivationKindAttr":$activation), [{
      build($_builder, $_state, result, input, gate, up, down, activation,
            $_builder.getF64FloatAttr(1.0), $_builder.getF64FloatAttr(1.0));
    }]>
  ];
  let assemblyFormat = [{
    $input `,` $gate `,` $up `,` $down `activation` $activation attr-dict
    `:` type($input) `,` type($gate) `,` type($up) `,` type($down) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hybrid_MoEOp : Hybrid_Op<"moe", [Pure, AttrSizedOperandSegments,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "mixture of experts: router, top-k, expert MLPs";
  let description = [{
    Per token: scores `s = softmax(x routerᵀ)` (or `sigmoid`, with
    `scoring sigmoid`) over E experts; the `top_k` experts with the largest
    `s + selection_bias` are chosen (the bias, DeepSeek-V3's and
    Nemotron-H's score correction, only steers the choice); their scores are
    renormalized to sum 1 when `normalize_top_k` and multiplied by
    `routed_scale`, and the result is `Σ s_e · expert_e(x)`. An expert is
    `down_e(act(gate_e x) · up_e x)`, or `down_e(act(up_e x))` when `gate` is
    absent. Expert weights are stacked: `gate`/`up` `[E, I, D]`, `down`
    `[E, D, I]`, `router` `[E, D]`. Shared experts are ordinary MLPs added by
    the producer.

    ```mlir
    %y = hybrid.moe %x router %r gate(%g : tensor<4x128x64xf32>) up %u down %d top_k 2 activation silu
        : tensor<1x?x64xf32>, tensor<4x64xf32>, tensor<4x128x64xf32>, tensor<4x64x128xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$router,
                       Hybrid_FloatTensor:$up, Hybrid_FloatTensor:$down,
                       Optional<Hybrid_FloatTensor>:$gate,
                       Optional<Hybrid_FloatTensor>:$selection_bias,
                       I64Attr:$top_k, Hybrid_ActivationAttr:$activation,
                       DefaultValuedAttr<Hybrid_RouterScoringAttr,
                           "::mlir::hybrid::RouterScoring::softmax">:$scoring,
                       UnitAttr:$normalize_top_k,
                       DefaultValuedAttr<F64Attr, "1.0">:$routed_scale);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input `router` $router (`gate` `(` $gate^ `:` type($gate) `)`)?
    `up` $up `down` $down `top_k` $top_k `activation` $activation
    (`scoring` $scoring^)?
    (`selection_bias` `(` $selection_bias^ `:` type($selection_bias) `)`)?
    attr-dict
    `:` type($input) `,` type($router) `,` type($up) `,` type($down)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Sampling
//===----------------------------------------------------------------------===//

def Hybrid_ArgmaxOp : Hybrid_Op<"argmax", [Pure]> {
  let summary = "index of the largest element of the last dimension";
  let description = [{
    Greedy sampling: `[..., V]` logits to `[...]` token ids. Ties resolve to
    the smallest index, as `torch.argmax` does.

    ```mlir
    %tok = hybrid.argmax %logits : tensor<1x?x128xf32> -> tensor<1x?xi64>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input);
  let results = (outs Hybrid_IntTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Hybrid_LinearArgmaxOp : Hybrid_Op<"linear_argmax", [Pure]> {
  let summary = "argmax of a linear's outputs, which are never stored";
  let description = [{
    `argmax(linear(input, weight) · output_scale)` over the last dimension:
    greedy decoding's LM head. `weight` is `[V, K]`, `input` `[..., K]`,
    the result `[...]` token ids; ties resolve to the smallest index, as
    `hybrid.argmax` does. Kept as one op so that a backend can reduce each
    block of logits to a (value, index) pair where it computes it, and a
    decode step that only asks for a token never writes `V` floats per
    token (`hybrid-fuse-linear-argmax` forms it; there is no bias because
    no supported LM head has one).

    ```mlir
    %tok = hybrid.linear_argmax %h, %w : tensor<?x1x64xf32>, tensor<128x64xbf16> -> tensor<?x1xi64>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_FloatTensor:$weight,
                       DefaultValuedAttr<F64Attr, "1.0">:$output_scale);
  let results = (outs Hybrid_IntTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

#endif // HYBRID_OPS_TD
