//===- HybridAttrs.td - the typed contract of the hybrid dialect -*- tablegen -*-===//
//
// The attributes through which the parts of hybridc talk to each other: the
// frontend tells the ABI passes which function argument is which (a state
// buffer of layer 3, the token ids, a checkpoint weight), the lowering tells
// the target which linalg op is a GEMM and what its epilogue scales are, the
// builder tells diagnostics and reports which layer an op came from.
//
// Every such fact is a typed attribute declared here and reached through the
// dialect's generated helpers (HybridDialect::get<Name>AttrHelper()), never a
// string spelled in the file that writes it and again in the file that reads
// it. The dialect verifies each one where it is attached
// (verifyOperationAttribute, verifyRegionArgAttribute,
// verifyRegionResultAttribute), so a pass that attaches the wrong kind of
// value fails at the next verification, not in the runtime.
//
// See RationaleHybrid.md, "The typed contract".
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_ATTRS_TD
#define HYBRID_ATTRS_TD

include "dialect/IR/HybridBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums of the contract
//===----------------------------------------------------------------------===//

def Hybrid_StateKind : I32Enum<"StateKind",
    "what a state buffer holds", [
      I32EnumCase<"k_cache", 0>,
      I32EnumCase<"v_cache", 1>,
      I32EnumCase<"conv_state", 2>,
      I32EnumCase<"ssm_state", 3>
    ]> {
  let cppNamespace = "::mlir::hybrid";
}

def Hybrid_StateScope : I32Enum<"StateScope",
    "how long a state buffer lives", [
      // Carried from call to call for the whole sequence (KV caches, conv
      // and SSM states): the session owns it, fork/save/load copy it.
      I32EnumCase<"sequence", 0>,
      // Reset at the start of every frame of a multi-codebook model (the
      // cache of a depth transformer that loops over one frame's codebooks).
      I32EnumCase<"frame", 1>
    ]> {
  let cppNamespace = "::mlir::hybrid";
}

def Hybrid_ArgRole : I32Enum<"ArgRole",
    "what a data argument or result of an entry point is", [
      I32EnumCase<"tokens", 0>,
      I32EnumCase<"position", 1>,
      I32EnumCase<"logits", 2>,
      I32EnumCase<"next_token", 3>,
      // Hidden vectors given in place of token ids ([B, T, hidden] f32):
      // a prompt that begins with them (Zonos' conditioning prefix).
      I32EnumCase<"embeds", 4>,
      // Moshi's depth transformer in a teacher-forced pass: the tokens each
      // depth step embeds ([B, T, dep_q] i64: the frame's text token, then
      // its first dep_q - 1 audio tokens), and the logits of every step
      // ([B, T, dep_q, card] f32).
      I32EnumCase<"depth_tokens", 5>,
      I32EnumCase<"audio_logits", 6>
    ]> {
  let cppNamespace = "::mlir::hybrid";
}

def Hybrid_WeightAccess : I32Enum<"WeightAccess",
    "how an entry point reads a weight", [
      // Read whole by every call (projections, norms, a tied head).
      I32EnumCase<"stream", 0>,
      // Read only at the rows that token ids select (an embedding table no
      // head shares): a decode step reads one row of it per sequence, so a
      // memory-bandwidth roofline leaves it out.
      I32EnumCase<"gather", 1>
    ]> {
  let cppNamespace = "::mlir::hybrid";
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Hybrid_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Hybrid_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Hybrid_RoleAttr : EnumAttr<Hybrid_Dialect, Hybrid_ArgRole, "role"> {
  let summary = "the role of an entry point's data argument or result";
  let assemblyFormat = "`<` $value `>`";
}

def Hybrid_WeightAccessAttr
    : EnumAttr<Hybrid_Dialect, Hybrid_WeightAccess, "access"> {
  let summary = "how the entry points read a weight";
  let assemblyFormat = "`<` $value `>`";
}

def Hybrid_StateAttr : Hybrid_Attr<"State", "state"> {
  let summary = "a state buffer an entry point reads and updates";
  let description = [{
    Marks an entry point argument and the result that is its new value.
    The layer is a number, not part of the name, so the manifest and the
    reports never parse it back out.

    ```mlir
    func.func @decode(...,
        %k: tensor<?x64x2x16xf32> {hybrid.state = #hybrid.state<
              name = "layers.0.k_cache", layer = 0, kind = k_cache,
              scope = sequence>}) -> ...
    ```
  }];
  let parameters = (ins
    "::mlir::StringAttr":$name,
    "int64_t":$layer,
    EnumParameter<Hybrid_StateKind>:$kind,
    EnumParameter<Hybrid_StateScope>:$scope
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Hybrid_WeightBindingAttr : Hybrid_Attr<"WeightBinding", "weight"> {
  let summary = "the checkpoint tensor an entry point argument binds";
  let description = [{
    Set by `hybrid-bind-weights` on each weight argument. A packed weight
    (`hybrid-merge-projections`) lists the checkpoint tensors whose rows,
    concatenated, make it; its name is the parts joined with `+`.

    ```mlir
    %w: tensor<128x64xf32> {hybrid.weight = #hybrid.weight<
          name = "model.embed_tokens.weight", access = gather>}
    ```
  }];
  let parameters = (ins
    "::mlir::StringAttr":$name,
    DefaultValuedParameter<"::mlir::hybrid::WeightAccess",
                           "::mlir::hybrid::WeightAccess::stream">:$access,
    OptionalParameter<"::mlir::ArrayAttr">:$parts,
    OptionalParameter<"::mlir::DenseI64ArrayAttr">:$part_rows
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Hybrid_GemmAttr : Hybrid_Attr<"Gemm", "gemm"> {
  let summary = "a linalg op that is the GEMM of a hybrid.linear";
  let description = [{
    Set by the lowering of `hybrid.linear` on the `linalg.generic` it
    becomes, and read by the target's GEMM code (the CPU micro-kernel,
    a cuBLASLt call): the op is a GEMM, elementwise fusion keeps it apart,
    and its epilogue multiplies every output feature by `output_scale`
    times the scale of the section the feature lies in. `overwrite`
    (default false) says that the output's prior contents are not read:
    the GEMM stores its products, as if its output had been zero-filled
    first (the CUDA kernel former folds such a fill into the library
    call, whose beta becomes 0).

    ```mlir
    linalg.generic ... {hybrid.gemm = #hybrid.gemm<output_scale = 0.5 : f64,
        section_sizes = array<i64: 64, 32>,
        section_scales = array<f64: 1.0, 2.0>>}
    ```
  }];
  let parameters = (ins
    OptionalParameter<"::mlir::FloatAttr">:$output_scale,
    OptionalParameter<"::mlir::DenseI64ArrayAttr">:$section_sizes,
    OptionalParameter<"::mlir::DenseF64ArrayAttr">:$section_scales,
    DefaultValuedParameter<"bool", "false">:$overwrite
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Hybrid_ModelAttr : Hybrid_Attr<"Model", "model"> {
  let summary = "what a module was built from";
  let description = [{
    Set by the frontend on the module; the manifest's `model` object and
    `max_seq` are read from it.

    ```mlir
    module attributes {hybrid.model = #hybrid.model<name = "tiny",
        model_type = "llama", vocab_size = 128, hidden_size = 64,
        num_layers = 2, num_codebooks = 1, max_seq = 256,
        config_hash = "fnv1a64:0123456789abcdef">} { ... }
    ```
  }];
  let parameters = (ins
    "::mlir::StringAttr":$name,
    "::mlir::StringAttr":$model_type,
    "int64_t":$vocab_size,
    "int64_t":$hidden_size,
    "int64_t":$num_layers,
    "int64_t":$num_codebooks,
    "int64_t":$max_seq,
    OptionalParameter<"::mlir::StringAttr">:$config_hash,
    // An audio model's codec frames per second (Zonos' DAC: 44100 / 512).
    OptionalParameter<"::mlir::FloatAttr">:$frame_rate,
    // Moshi: each stream's delay (text, then the audio streams) and the
    // token a stream reads before its delay has passed (its initial token,
    // also its largest id): what the caller's delay pattern needs.
    OptionalParameter<"::mlir::DenseI64ArrayAttr">:$stream_delays,
    OptionalParameter<"::mlir::DenseI64ArrayAttr">:$initial_tokens
  );
  let assemblyFormat = "`<` struct(params) `>`";
}

def Hybrid_SiteAttr : Hybrid_Attr<"Site", "site"> {
  let summary = "the layer and part of the model an op was built for";
  let description = [{
    The metadata of the fused location the builder gives every op of a
    layer: `loc(fused<#hybrid.site<layer = 3, part = "mixer.in_proj">>
    ["layers.3.mixer.in_proj"(...)])`. Rewrites keep an op's location, so
    diagnostics, `--mlir-print-debuginfo` and the fusion report find the
    layer of any op, fused or not, without parsing a name. `layer` is -1
    outside the layers (embeddings, final norm, head).
  }];
  let parameters = (ins
    "int64_t":$layer,
    "::mlir::StringAttr":$part
  );
  let assemblyFormat = "`<` struct(params) `>`";
}

#endif // HYBRID_ATTRS_TD
