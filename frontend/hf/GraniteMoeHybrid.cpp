//===- GraniteMoeHybrid.cpp - granitemoehybrid ----------------------------===//
//
// GraniteMoeHybridConfig / modeling_granitemoehybrid: attention or the
// BambaMixer per layer_types, then a stacked MoE with a shared MLP (or the
// shared MLP alone); Granite's multipliers on embeddings, residuals and logits.
//
//===----------------------------------------------------------------------===//

#include "frontend/hf/HFReaders.h"

namespace hybrid::frontend::detail {

ModelSpec readGraniteMoeHybrid(const Fields &f) {
  ModelSpec spec = baseSpec(f, "granitemoehybrid", WeightNaming::GraniteMoeHybrid);
  Trunk t = readTrunk(f, {32000, 4096, 11008, 32, 32, std::nullopt}, spec);
  requireSiluFor(f, "hidden_act", "silu");
  double eps = positiveDouble(f, "rms_norm_eps", 1e-6);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  bool attnBias = f.getBool("attention_bias", false);
  spec.embeddingMultiplier = f.getDouble("embedding_multiplier", 1.0);
  double logitsScaling = f.getDouble("logits_scaling", 1.0);
  if (logitsScaling == 0)
    f.failValue("logits_scaling", "a non-zero number (logits are divided by it)");
  spec.logitsMultiplier = 1.0 / logitsScaling;
  spec.residualMultiplier = f.getDouble("residual_multiplier", 1.0);
  double attnMult = f.getDouble("attention_multiplier", 1.0);
  if (!(attnMult > 0))
    f.failValue("attention_multiplier", "a positive number (the softmax scale)");
  int64_t experts = f.getInt("num_local_experts", 8, 0, kMaxExperts);
  int64_t topK = f.getInt("num_experts_per_tok", 2);
  if (experts > 0 && topK > experts)
    f.failValue("num_experts_per_tok", "at most num_local_experts (" + std::to_string(experts) + ")");
  int64_t sharedInter = f.getInt("shared_intermediate_size", 1024);

  std::optional<std::string> pe = f.getOptString("position_embedding_type");
  if (pe && *pe != "rope" && *pe != "nope")
    f.failValue("position_embedding_type", "null, \"nope\" or \"rope\"");
  bool useRope = pe && *pe == "rope";
  Rope rope = readRope(f, 10000.0);
  if (useRope)
    requireFullRotary(f, rope, "apply_rotary_pos_emb rotates whole heads");

  std::vector<std::string> types(size_t(t.layers), "mamba");
  if (const nlohmann::json *lt = f.getArray("layer_types")) {
    if (int64_t(lt->size()) != t.layers)
      f.fail("layer_types", "num_hidden_layers (" + std::to_string(t.layers) + ") entries",
             std::to_string(lt->size()));
    // transformers 5 writes the remapped names (linear_attention,
    // full_attention); older configs have mamba / attention.
    for (size_t i = 0; i < lt->size(); ++i) {
      const nlohmann::json &v = (*lt)[i];
      std::string t = v.is_string() ? v.get<std::string>() : "";
      if (t == "mamba" || t == "linear_attention")
        types[i] = "mamba";
      else if (t == "attention" || t == "full_attention")
        types[i] = "attention";
      else
        f.fail("layer_types[" + std::to_string(i) + "]",
               "one of mamba, attention, linear_attention, full_attention", describe(v));
    }
  }

  Mamba2Spec m = readBambaMixer(f, spec.hidden, eps);

  FfnSpec shared = gatedMlp(sharedInter, Activation::Silu, false);
  shared.fusedGateUp = true; // input_linear [2S, H]: act(first half) * second half
  shared.gateFirst = true;

  setLayers(spec, t.layers);
  for (LayerSpec &l : spec.layers) {
    l.mixerNorm = rmsNorm(eps);
    if (types[size_t(l.index)] == "attention") {
      AttentionSpec &a = l.mixer.emplace<AttentionSpec>(
          llamaAttention(t.heads, t.kvHeads, t.headDim, attnBias));
      a.softmaxScale = attnMult;
      if (useRope)
        setRope(a, rope);
    } else {
      l.mixer = m;
    }
    l.ffnNorm = rmsNorm(eps);
    if (experts > 0) {
      l.ffn.kind = FfnKind::Moe;
      MoeSpec &moe = l.moe;
      moe.numExperts = experts;
      moe.topK = topK;
      moe.scoring = RouterScoring::Softmax; // softmax over the top-k logits
      moe.normTopK = true;
      moe.layout = ExpertLayout::Stacked;
      moe.expert = gatedMlp(t.intermediate, Activation::Silu, false);
      moe.shared = shared;
    } else {
      l.ffn = shared;
    }
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

} // namespace hybrid::frontend::detail
