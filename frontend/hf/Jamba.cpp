//===- Jamba.cpp - jamba --------------------------------------------------===//
//
// JambaConfig / modeling_jamba: attention (no RoPE) every attn_layer_period
// layers, Mamba-1 with dt/B/C norms elsewhere, MoE every expert_layer_period.
//
//===----------------------------------------------------------------------===//

#include "frontend/hf/HFReaders.h"

namespace hybrid::frontend::detail {

ModelSpec readJamba(const Fields &f) {
  ModelSpec spec = baseSpec(f, "jamba", WeightNaming::Jamba);
  Trunk t = readTrunk(f, {65536, 4096, 14336, 32, 32, 8}, spec);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  requireSiluFor(f, "hidden_act", "silu");
  double eps = positiveDouble(f, "rms_norm_eps", 1e-6);
  int64_t topK = f.getInt("num_experts_per_tok", 2);
  int64_t experts = f.getInt("num_experts", 16, 1, kMaxExperts);
  int64_t expertPeriod = f.getInt("expert_layer_period", 2);
  int64_t expertOffset = f.getInt("expert_layer_offset", 1, 0);
  int64_t attnPeriod = f.getInt("attn_layer_period", 8);
  int64_t attnOffset = f.getInt("attn_layer_offset", 4, 0);
  if (attnOffset >= attnPeriod)
    f.failValue("attn_layer_offset",
                "an offset smaller than attn_layer_period (" + std::to_string(attnPeriod) + ")");
  if (expertOffset >= expertPeriod)
    f.failValue("expert_layer_offset", "an offset smaller than expert_layer_period (" +
                                           std::to_string(expertPeriod) + ")");
  if (topK > experts)
    f.failValue("num_experts_per_tok", "at most num_experts (" + std::to_string(experts) + ")");
  int64_t dState = f.getInt("mamba_d_state", 16);
  int64_t dConv = f.getInt("mamba_d_conv", 4);
  int64_t expand = f.getInt("mamba_expand", 2);
  int64_t dtRank = (spec.hidden + 15) / 16;
  const nlohmann::json *r = f.find("mamba_dt_rank");
  if (r && !(r->is_string() && r->get<std::string>() == "auto"))
    dtRank = f.getInt("mamba_dt_rank", dtRank);
  bool convBias = f.getBool("mamba_conv_bias", true);
  bool projBias = f.getBool("mamba_proj_bias", false);
  // sliding_window: transformers' Jamba builds a full causal mask and never
  // passes a window to the attention kernel, so it does not change the math.

  setLayers(spec, t.layers);
  for (LayerSpec &l : spec.layers) {
    int64_t i = l.index;
    l.mixerNorm = rmsNorm(eps);
    if (i % attnPeriod == attnOffset) {
      l.mixer = llamaAttention(t.heads, t.kvHeads, t.headDim, false); // no RoPE, no bias
    } else {
      Mamba1Spec &m = l.mixer.emplace<Mamba1Spec>();
      m.dInner = expand * spec.hidden;
      m.dState = dState;
      m.dConv = dConv;
      m.dtRank = dtRank;
      m.inProjBias = projBias;
      m.outProjBias = projBias;
      m.convBias = convBias;
      m.bcdtNorms = true;
      m.bcdtNormEps = eps;
    }
    l.ffnNorm = rmsNorm(eps);
    if (experts > 1 && i % expertPeriod == expertOffset) {
      l.ffn.kind = FfnKind::Moe;
      MoeSpec &moe = l.moe;
      moe.numExperts = experts;
      moe.topK = topK;
      moe.scoring = RouterScoring::Softmax; // softmax, top-k, no renormalization
      moe.normTopK = false;
      moe.layout = ExpertLayout::PerExpert;
      moe.expert = gatedMlp(t.intermediate, Activation::Silu, false);
    } else {
      l.ffn = gatedMlp(t.intermediate, Activation::Silu, false);
    }
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

} // namespace hybrid::frontend::detail
