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
  case WeightNaming::Moshi: return nullptr; // moshiLayerName, moshiGlobalName
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

bool startsWith(const std::string &s, const char *prefix) {
  return s.compare(0, std::strlen(prefix), prefix) == 0;
}

// Moshi (moshi/modules/transformer.py StreamingTransformerLayer): norm1,
// self_attn, norm2, then gating (gated FFN) or linear1/linear2; an RMSNorm's
// parameter is `alpha`. Per-step tensors of the depth transformer carry the
// step's weight set after the module name (in_projs.{i}, gating.{i}).
std::string moshiLayerName(const ModelSpec &spec, const std::string &role, int64_t layer) {
  bool depth = layer >= spec.numLayers;
  const MoshiSpec &m = *spec.moshi;
  std::string prefix = depth ? "depformer.layers." + std::to_string(layer - spec.numLayers) + "."
                             : "transformer.layers." + std::to_string(layer) + ".";
  const NormSpec &n1 = depth ? m.depth.norm : spec.layers[size_t(layer)].mixerNorm;
  auto normName = [&](const char *module, const std::string &rest) {
    // rest: "weight" or "bias"
    return prefix + module + "." + (rest == "weight" && n1.kind == NormKind::RMS ? "alpha" : rest);
  };
  if (startsWith(role, "mixer_norm."))
    return normName("norm1", role.substr(11));
  if (startsWith(role, "ffn_norm."))
    return normName("norm2", role.substr(9));
  // attn.qkv_proj.weight (stacked or unindexed) or attn.qkv_proj.{i}.weight
  auto proj = [&](const std::string &rest, const char *stacked, const char *split) {
    if (m.stackedProjections)
      return prefix + stacked;
    std::string index = rest == "weight" ? "0." : "";
    return prefix + split + index + rest;
  };
  if (startsWith(role, "attn.qkv_proj."))
    return proj(role.substr(14), "self_attn.in_proj_weight", "self_attn.in_projs.");
  if (startsWith(role, "attn.o_proj."))
    return proj(role.substr(12), "self_attn.out_proj.weight", "self_attn.out_projs.");
  // ffn.[{i}.]gate_up_proj.weight -> gating.[{i}.]linear_in.weight
  if (startsWith(role, "ffn.")) {
    std::string rest = role.substr(4), index;
    size_t dot = rest.find('.');
    if (dot != std::string::npos && rest[0] >= '0' && rest[0] <= '9') {
      index = rest.substr(0, dot + 1);
      rest = rest.substr(dot + 1);
    }
    if (startsWith(rest, "gate_up_proj."))
      return prefix + "gating." + index + "linear_in." + rest.substr(13);
    if (startsWith(rest, "up_proj."))
      return prefix + "linear1." + rest.substr(8);
    bool gated = depth || spec.layers[size_t(layer)].ffn.kind == FfnKind::GatedMlp;
    if (startsWith(rest, "down_proj."))
      return prefix + (gated ? "gating." + index + "linear_out." : std::string("linear2.")) +
             rest.substr(10);
  }
  return prefix + role;
}

// Outside the layers the roles are the names, but for the RMS norms'
// `alpha` (out_norm, depformer_norms.{i}).
std::string moshiGlobalName(const ModelSpec &spec, const std::string &role) {
  const MoshiSpec &m = *spec.moshi;
  bool rmsOut = startsWith(role, "out_norm.") && spec.finalNorm.kind == NormKind::RMS;
  bool rmsDepth = startsWith(role, "depformer_norms.") && m.depth.outNorm.kind == NormKind::RMS;
  const std::string suffix = ".weight";
  if ((rmsOut || rmsDepth) && role.size() > suffix.size() &&
      role.compare(role.size() - suffix.size(), suffix.size(), suffix) == 0)
    return role.substr(0, role.size() - suffix.size()) + ".alpha";
  return role;
}

} // namespace

std::string ModelSpec::weightName(const std::string &role, int64_t layer) const {
  if (naming == WeightNaming::Moshi && moshi)
    return layer < 0 ? moshiGlobalName(*this, role) : moshiLayerName(*this, role, layer);
  const Naming *n = namingFor(naming);
  if (layer < 0)
    return n ? rewrite(role, n->globalRules, n->numGlobalRules) : role;
  std::string prefix = (n ? n->layerPrefix : "layers.") + std::to_string(layer) + ".";
  return prefix + (n ? rewrite(role, n->layerRules, n->numLayerRules) : role);
}

} // namespace hybrid::frontend
