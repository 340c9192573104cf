//===- WeightNames.cpp - Role -> checkpoint tensor name per family -------===//
//
// Roles are family-independent (`attn.q_proj.weight`); a checkpoint spells
// them its own way. Each family is a layer prefix plus prefix-rewrite rules;
// the first rule whose `role` is a prefix of the role wins. The names are the
// ones transformers' save_pretrained writes (which reverts its load-time
// conversions, so they are also the names on the Hub), mamba_ssm's for Zonos.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelSpec.h"

#include <cstring>

namespace hybrid::frontend {
namespace {

struct Rule {
  const char *role;
  const char *name;
};

struct Naming {
  const char *layerPrefix; // followed by the layer index and "."
  const Rule *layerRules;
  size_t numLayerRules;
  const Rule *globalRules;
  size_t numGlobalRules;
};

#define RULES(x) x, sizeof(x) / sizeof(x[0])

// llama, mistral
const Rule kLlamaLayer[] = {
    {"mixer_norm.", "input_layernorm."},
    {"attn.", "self_attn."},
    {"ffn_norm.", "post_attention_layernorm."},
    {"ffn.", "mlp."},
};
const Rule kLlamaGlobal[] = {
    {"embed.weight", "model.embed_tokens.weight"},
    {"final_norm.", "model.norm."},
    {"lm_head.", "lm_head."},
};

// mamba, mamba2
const Rule kMambaLayer[] = {
    {"mixer_norm.", "norm."},
    {"mamba.", "mixer."},
};
const Rule kMambaGlobal[] = {
    {"embed.weight", "backbone.embeddings.weight"},
    {"final_norm.", "backbone.norm_f."},
    {"lm_head.", "lm_head."},
};

// jamba, bamba, falcon_h1
const Rule kJambaLayer[] = {
    {"mixer_norm.", "input_layernorm."},
    {"attn.", "self_attn."},
    {"mamba.dt_norm.", "mamba.dt_layernorm."},
    {"mamba.b_norm.", "mamba.b_layernorm."},
    {"mamba.c_norm.", "mamba.c_layernorm."},
    {"mamba.", "mamba."},
    {"ffn_norm.", "pre_ff_layernorm."},
    {"ffn.", "feed_forward."},
    {"moe.router.", "feed_forward.router."},
    {"moe.experts.", "feed_forward.experts."},
};
const Rule kJambaGlobal[] = {
    {"embed.weight", "model.embed_tokens.weight"},
    {"final_norm.", "model.final_layernorm."},
    {"lm_head.", "lm_head."},
};

// nemotron_h: one block per layer, `norm` + `mixer` (mamba, attention, mlp or moe)
const Rule kNemotronLayer[] = {
    {"mixer_norm.", "norm."},
    {"ffn_norm.", "norm."},
    {"attn.", "mixer."},
    {"mamba.", "mixer."},
    {"ffn.", "mixer."},
    {"moe.router.weight", "mixer.gate.weight"},
    {"moe.router.correction_bias", "mixer.gate.e_score_correction_bias"},
    {"moe.experts.", "mixer.experts."},
    {"moe.shared.", "mixer.shared_experts."},
};
const Rule kNemotronGlobal[] = {
    {"embed.weight", "backbone.embeddings.weight"},
    {"final_norm.", "backbone.norm_f."},
    {"lm_head.", "lm_head."},
};

// granitemoehybrid
const Rule kGraniteLayer[] = {
    {"mixer_norm.", "input_layernorm."},
    {"attn.", "self_attn."},
    {"mamba.", "mamba."},
    {"ffn_norm.", "post_attention_layernorm."},
    {"ffn.gate_up_proj.", "shared_mlp.input_linear."},
    {"ffn.down_proj.", "shared_mlp.output_linear."},
    {"moe.router.weight", "block_sparse_moe.router.layer.weight"},
    {"moe.experts.gate_up_proj", "block_sparse_moe.input_linear.weight"},
    {"moe.experts.down_proj", "block_sparse_moe.output_linear.weight"},
    {"moe.shared.gate_up_proj.", "shared_mlp.input_linear."},
    {"moe.shared.down_proj.", "shared_mlp.output_linear."},
};

// Zonos (mamba_ssm MixerModel inside the Zonos wrapper)
const Rule kZonosLayer[] = {
    {"mixer_norm.", "norm."},
    {"attn.qkv_proj.", "mixer.in_proj."},
    {"attn.o_proj.", "mixer.out_proj."},
    {"mamba.", "mixer."},
    {"ffn_norm.", "norm2."},
    {"ffn.gate_up_proj.", "mlp.fc1."},
    {"ffn.down_proj.", "mlp.fc2."},
};
const Rule kZonosGlobal[] = {
    {"embed.", "embeddings."},
    {"final_norm.", "backbone.norm_f."},
    {"lm_head.", "heads."},
};

const Naming kLlama{"model.layers.", RULES(kLlamaLayer), RULES(kLlamaGlobal)};
const Naming kMamba{"backbone.layers.", RULES(kMambaLayer), RULES(kMambaGlobal)};
const Naming kJamba{"model.layers.", RULES(kJambaLayer), RULES(kJambaGlobal)};
const Naming kNemotron{"backbone.layers.", RULES(kNemotronLayer), RULES(kNemotronGlobal)};
const Naming kGranite{"model.layers.", RULES(kGraniteLayer), RULES(kLlamaGlobal)};
const Naming kZonos{"backbone.layers.", RULES(kZonosLayer), RULES(kZonosGlobal)};

#undef RULES

const Naming *namingFor(WeightNaming n) {
  switch (n) {
  case WeightNaming::Native: return nullptr;
  case WeightNaming::Llama: return &kLlama;
  case WeightNaming::Mamba: return &kMamba;
  case WeightNaming::Jamba: return &kJamba;
  case WeightNaming::NemotronH: return &kNemotron;
  case WeightNaming::GraniteMoeHybrid: return &kGranite;
  case WeightNaming::Zonos: return &kZonos;
  }
  return nullptr;
}

// Rewrites the first matching prefix. A role no rule covers keeps its native
// spelling; the unit tests check that every role of every family is covered.
std::string rewrite(const std::string &role, const Rule *rules, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    size_t len = std::strlen(rules[i].role);
    if (role.compare(0, len, rules[i].role) == 0)
      return rules[i].name + role.substr(len);
  }
  return role;
}

} // namespace

std::string ModelSpec::weightName(const std::string &role, int64_t layer) const {
  const Naming *n = namingFor(naming);
  if (layer < 0)
    return n ? rewrite(role, n->globalRules, n->numGlobalRules) : role;
  std::string prefix = (n ? n->layerPrefix : "layers.") + std::to_string(layer) + ".";
  return prefix + (n ? rewrite(role, n->layerRules, n->numLayerRules) : role);
}

} // namespace hybrid::frontend
