//===- NativeConfig.cpp - hybridc's own JSON -> ModelSpec ----------------===//
//
// The schema is documented in docs/Frontend.md ("Native JSON"). In short:
// top-level model fields; "layer_defaults" merged (JSON merge patch) under
// every layer; then either an explicit "layers" list, or "num_layers" +
// "attn_layer_idx" (+ "ssm_kind", "attention_layer", "ssm_layer"). Unknown
// keys are errors, so a typo never silently becomes a default.
//
//===----------------------------------------------------------------------===//

#include "frontend/Config.h"
#include "frontend/ReaderSupport.h"

#include <cmath>
#include <limits>

namespace hybrid::frontend {

using namespace detail;

namespace {

const std::vector<std::string> kTopKeys = {
    "format", "version", "name", "comment", "vocab_size", "output_vocab_size",
    "hidden_size", "num_layers", "num_codebooks", "tie_embeddings",
    "embedding_multiplier", "logits_multiplier", "residual_multiplier",
    "residual_in_fp32", "weight_dtype", "state_dtype", "norm", "final_norm",
    "layer_defaults", "layers", "attn_layer_idx", "ssm_kind", "attention_layer",
    "ssm_layer"};
const std::vector<std::string> kLayerKeys = {"kind",   "comment", "norm",  "attention",
                                             "mamba1", "mamba2",  "intra", "ffn"};
const std::vector<std::string> kNormKeys = {"kind", "eps", "bias"};
const std::vector<std::string> kAttentionKeys = {
    "num_heads",     "num_kv_heads",     "head_dim",         "qkv_bias",
    "out_bias",      "fused_qkv",        "rope_theta",       "rotary_dim",
    "rope_interleaved", "sliding_window", "softmax_scale",   "input_multiplier",
    "key_multiplier", "output_multiplier"};
const std::vector<std::string> kMamba1Keys = {"d_inner",      "d_state",   "d_conv",
                                              "dt_rank",      "in_proj_bias", "conv_bias",
                                              "out_proj_bias", "bcdt_norms", "norm_eps"};
const std::vector<std::string> kMamba2Keys = {
    "num_heads",    "head_dim",         "d_inner",        "n_groups",      "d_state",
    "d_conv",       "chunk_size",       "dt_min",         "dt_max",        "gated_norm",
    "norm_eps",     "norm_before_gate", "norm_groups",    "in_proj_bias",  "conv_bias",
    "out_proj_bias", "input_multiplier", "proj_multipliers", "output_multiplier"};
const std::vector<std::string> kIntraKeys = {"num_heads",      "head_dim",       "attn_heads",
                                             "attn_ratio",     "fusion",         "out_proj",
                                             "branch_norm",    "norm_eps",       "attn_multiplier",
                                             "ssm_multiplier"};
const std::vector<std::string> kFfnKeys = {
    "kind",          "intermediate_size", "activation",      "bias",
    "fused_gate_up", "gate_first",        "gate_multiplier", "down_multiplier",
    "num_experts",   "top_k",             "router",          "norm_topk_prob",
    "routed_scaling", "correction_bias",  "n_group",         "topk_group",
    "layout",        "gated",             "shared_intermediate_size", "shared_gated"};

std::string oneOf(const std::vector<std::string> &names) { return "one of " + join(names, ", "); }

// An enum-valued string field.
template <typename T>
T readEnum(const Fields &f, const std::string &key, const std::string &def,
           const std::vector<std::pair<std::string, T>> &values) {
  std::string s = f.getString(key, def);
  std::vector<std::string> names;
  for (const auto &[name, value] : values) {
    if (name == s)
      return value;
    names.push_back(name);
  }
  f.failValue(key, oneOf(names));
}

NormSpec readNorm(const Fields &n, const NormSpec &def) {
  n.rejectUnknown(kNormKeys, "a norm field (" + join(kNormKeys, ", ") + ")");
  NormSpec s;
  s.kind = readEnum<NormKind>(n, "kind", toString(def.kind),
                              {{"rms", NormKind::RMS}, {"layer", NormKind::Layer}});
  s.eps = n.getDouble("eps", def.eps);
  if (!(s.eps > 0))
    n.failValue("eps", "a positive number");
  // A LayerNorm has a bias unless told otherwise; an RMS norm has none.
  bool defBias = n.has("kind") ? s.kind == NormKind::Layer : def.bias;
  s.bias = n.getBool("bias", defBias);
  return s;
}

AttentionSpec readAttention(const Fields &a, int64_t hidden, std::optional<int64_t> heads,
                            std::optional<int64_t> headDim) {
  a.rejectUnknown(kAttentionKeys, "an attention field");
  AttentionSpec s;
  if (heads) {
    if (a.hasValue("num_heads") && a.getInt("num_heads", 0) != *heads)
      a.failValue("num_heads", "the intra.attn_heads split (" + std::to_string(*heads) + ")");
    s.numHeads = *heads;
  } else {
    s.numHeads = a.requireInt("num_heads");
  }
  if (headDim) {
    if (a.hasValue("head_dim") && a.getInt("head_dim", 0) != *headDim)
      a.failValue("head_dim", "intra.head_dim (" + std::to_string(*headDim) + ")");
    s.headDim = *headDim;
  } else if (a.hasValue("head_dim")) {
    s.headDim = a.getInt("head_dim", 0);
  } else {
    if (hidden % s.numHeads != 0)
      a.failValue("num_heads", "a divisor of hidden_size (" + std::to_string(hidden) +
                                   "), or an explicit head_dim");
    s.headDim = hidden / s.numHeads;
  }
  s.numKvHeads = a.getInt("num_kv_heads", s.numHeads);
  if (s.numHeads % s.numKvHeads != 0)
    a.failValue("num_kv_heads", "a divisor of num_heads (" + std::to_string(s.numHeads) + ")");
  s.qkvBias = a.getBool("qkv_bias", false);
  s.outBias = a.getBool("out_bias", false);
  s.fusedQkv = a.getBool("fused_qkv", false);
  s.ropeTheta = a.getDouble("rope_theta", 10000.0);
  s.rotaryDim = a.getInt("rotary_dim", s.headDim, 0);
  s.ropeInterleaved = a.getBool("rope_interleaved", false);
  s.slidingWindow = a.getInt("sliding_window", 0, 0);
  s.softmaxScale = a.getOptDouble("softmax_scale").value_or(0.0);
  s.inputMultiplier = a.getDouble("input_multiplier", 1.0);
  s.keyMultiplier = a.getDouble("key_multiplier", 1.0);
  s.outputMultiplier = a.getDouble("output_multiplier", 1.0);
  return s;
}

Mamba1Spec readMamba1(const Fields &m, int64_t hidden) {
  m.rejectUnknown(kMamba1Keys, "a mamba1 field");
  Mamba1Spec s;
  s.dInner = m.getInt("d_inner", 2 * hidden);
  s.dState = m.getInt("d_state", 16);
  s.dConv = m.getInt("d_conv", 4);
  s.dtRank = m.getInt("dt_rank", (hidden + 15) / 16);
  s.inProjBias = m.getBool("in_proj_bias", false);
  s.convBias = m.getBool("conv_bias", true);
  s.outProjBias = m.getBool("out_proj_bias", false);
  s.bcdtNorms = m.getBool("bcdt_norms", false);
  s.bcdtNormEps = m.getDouble("norm_eps", 1e-6);
  return s;
}

Mamba2Spec readMamba2(const Fields &m, int64_t hidden, std::optional<int64_t> heads,
                      std::optional<int64_t> headDim) {
  m.rejectUnknown(kMamba2Keys, "a mamba2 field");
  Mamba2Spec s;
  if (headDim) {
    if (m.hasValue("head_dim") && m.getInt("head_dim", 0) != *headDim)
      m.failValue("head_dim", "intra.head_dim (" + std::to_string(*headDim) + ")");
    s.headDim = *headDim;
  } else {
    s.headDim = m.getInt("head_dim", 64);
  }
  if (heads) {
    if (m.hasValue("num_heads") && m.getInt("num_heads", 0) != *heads)
      m.failValue("num_heads", "the SSM side of the intra split (" + std::to_string(*heads) + ")");
    s.nHeads = *heads;
  } else if (m.hasValue("num_heads")) {
    s.nHeads = m.getInt("num_heads", 0);
  } else {
    int64_t dInner = m.getInt("d_inner", 2 * hidden);
    if (dInner % s.headDim != 0)
      m.failValue("d_inner", "a multiple of head_dim (" + std::to_string(s.headDim) + ")");
    s.nHeads = dInner / s.headDim;
  }
  if (m.hasValue("d_inner") && m.getInt("d_inner", 0) != s.nHeads * s.headDim)
    m.failValue("d_inner", "num_heads * head_dim (" + std::to_string(s.nHeads * s.headDim) + ")");
  s.nGroups = m.getInt("n_groups", 1);
  if (s.nHeads % s.nGroups != 0)
    m.failValue("n_groups", "a divisor of num_heads (" + std::to_string(s.nHeads) + ")");
  s.dState = m.getInt("d_state", 128);
  s.dConv = m.getInt("d_conv", 4);
  s.chunkSize = m.getInt("chunk_size", 256);
  s.dtMin = m.getDouble("dt_min", 0.0);
  s.dtMax = m.getDouble("dt_max", std::numeric_limits<double>::infinity(), /*allowInf=*/true);
  s.gatedNorm = m.getBool("gated_norm", !heads.has_value());
  s.normEps = m.getDouble("norm_eps", 1e-5);
  s.normBeforeGate = m.getBool("norm_before_gate", false);
  s.normGroups = m.getInt("norm_groups", s.nGroups);
  s.inProjBias = m.getBool("in_proj_bias", false);
  s.convBias = m.getBool("conv_bias", true);
  s.outProjBias = m.getBool("out_proj_bias", false);
  s.inputMultiplier = m.getDouble("input_multiplier", 1.0);
  if (auto pm = m.getDoubleList("proj_multipliers")) {
    if (pm->size() != 5)
      m.failValue("proj_multipliers", "5 numbers (z, x, B, C, dt)");
    for (size_t i = 0; i < 5; ++i)
      s.projMultipliers[i] = (*pm)[i];
  }
  s.outputMultiplier = m.getDouble("output_multiplier", 1.0);
  return s;
}

FfnSpec readDenseFfn(const Fields &f, FfnKind kind, bool gated) {
  FfnSpec s;
  s.kind = kind == FfnKind::Moe ? (gated ? FfnKind::GatedMlp : FfnKind::Mlp) : kind;
  s.intermediate = f.requireInt("intermediate_size");
  s.activation = readActivation(f, "activation", "silu");
  s.bias = f.getBool("bias", false);
  s.fusedGateUp = f.getBool("fused_gate_up", false);
  s.gateFirst = f.getBool("gate_first", true);
  s.gateMultiplier = f.getDouble("gate_multiplier", 1.0);
  s.downMultiplier = f.getDouble("down_multiplier", 1.0);
  return s;
}

// Fills l.ffn (and l.moe).
void readFfn(const Fields &f, LayerSpec &l, FfnKind defKind) {
  f.rejectUnknown(kFfnKeys, "an ffn field");
  FfnKind kind = readEnum<FfnKind>(f, "kind", toString(defKind),
                                   {{"none", FfnKind::None},
                                    {"mlp", FfnKind::Mlp},
                                    {"gated", FfnKind::GatedMlp},
                                    {"moe", FfnKind::Moe}});
  if (kind == FfnKind::None)
    return;
  if (kind != FfnKind::Moe) {
    l.ffn = readDenseFfn(f, kind, true);
    return;
  }
  l.ffn.kind = FfnKind::Moe;
  MoeSpec &m = l.moe;
  m.numExperts = f.requireInt("num_experts", 1, kMaxExperts);
  m.topK = f.requireInt("top_k");
  if (m.topK > m.numExperts)
    f.failValue("top_k", "at most num_experts (" + std::to_string(m.numExperts) + ")");
  m.scoring = readEnum<RouterScoring>(
      f, "router", "softmax",
      {{"softmax", RouterScoring::Softmax}, {"sigmoid", RouterScoring::Sigmoid}});
  m.normTopK = f.getBool("norm_topk_prob", false);
  m.routedScaling = f.getDouble("routed_scaling", 1.0);
  m.correctionBias = f.getBool("correction_bias", false);
  m.nGroup = f.getInt("n_group", 1);
  m.topkGroup = f.getInt("topk_group", 1);
  m.layout = readEnum<ExpertLayout>(
      f, "layout", "stacked",
      {{"stacked", ExpertLayout::Stacked}, {"per_expert", ExpertLayout::PerExpert}});
  bool gated = f.getBool("gated", true);
  m.expert = readDenseFfn(f, FfnKind::Moe, gated);
  if (m.expert.fusedGateUp)
    f.failValue("fused_gate_up", "false for experts (choose layout instead)");
  int64_t shared = f.getInt("shared_intermediate_size", 0, 0);
  if (shared > 0) {
    m.shared = m.expert;
    m.shared.kind = f.getBool("shared_gated", gated) ? FfnKind::GatedMlp : FfnKind::Mlp;
    m.shared.intermediate = shared;
  }
}

IntraHybridSpec readIntra(const Fields &layer, int64_t hidden) {
  Fields h = layer.getObject("intra");
  h.rejectUnknown(kIntraKeys, "an intra field");
  IntraHybridSpec s;
  int64_t headDim = h.getInt("head_dim", 64);
  int64_t heads;
  if (h.hasValue("num_heads")) {
    heads = h.getInt("num_heads", 0, 2);
  } else {
    if (hidden % headDim != 0 || hidden / headDim < 2)
      h.failValue("head_dim", "a divisor of hidden_size (" + std::to_string(hidden) +
                                  ") giving at least 2 heads, or an explicit num_heads");
    heads = hidden / headDim;
  }
  int64_t attnHeads;
  if (h.hasValue("attn_heads")) {
    if (h.hasValue("attn_ratio"))
      h.failValue("attn_ratio", "absent when attn_heads is given");
    attnHeads = h.getInt("attn_heads", 1, 1, heads - 1);
  } else {
    double ratio = h.getDouble("attn_ratio", 0.5);
    double x = ratio * double(heads);
    if (!(ratio > 0 && ratio < 1) || x != std::floor(x) || x < 1 || x > double(heads - 1))
      h.failValue("attn_ratio", "a ratio giving a whole number of attention heads in [1, " +
                                    std::to_string(heads - 1) + "]");
    attnHeads = int64_t(x);
  }
  s.fusion = readEnum<Fusion>(h, "fusion", "diff",
                              {{"add", Fusion::Add}, {"diff", Fusion::Diff},
                               {"concat", Fusion::Concat}});
  s.sharedOutProj = readEnum<bool>(h, "out_proj", s.fusion == Fusion::Concat ? "shared" : "separate",
                                   {{"separate", false}, {"shared", true}});
  std::string bn = h.getString("branch_norm", "group");
  if (bn == "group") {
    s.branchNorm = NormKind::RMS;
    s.groupNorm = true;
  } else if (bn == "rms") {
    s.branchNorm = NormKind::RMS;
    s.groupNorm = false;
  } else if (bn == "layer") {
    s.branchNorm = NormKind::Layer;
    s.groupNorm = false;
  } else if (bn == "none") {
    s.branchNorm = NormKind::None;
    s.groupNorm = false;
  } else {
    h.failValue("branch_norm", "one of group, rms, layer, none");
  }
  s.normEps = h.getDouble("norm_eps", 1e-5);
  s.attnMultiplier = h.getDouble("attn_multiplier", 1.0);
  s.ssmMultiplier = h.getDouble("ssm_multiplier", 1.0);
  s.attention = readAttention(layer.getObject("attention"), hidden, attnHeads, headDim);
  s.mamba2 = readMamba2(layer.getObject("mamba2"), hidden, heads - attnHeads, headDim);
  return s;
}

void readLayer(const Fields &f, LayerSpec &l, int64_t hidden, const NormSpec &defNorm) {
  f.rejectUnknown(kLayerKeys, "a layer field (" + join(kLayerKeys, ", ") + ")");
  if (!f.hasValue("kind"))
    f.fail("kind", "one of attention, mamba1, mamba2, parallel, intra, mlp, moe", "missing");
  std::string kind = f.getString("kind", "");
  NormSpec norm = readNorm(f.getObject("norm"), defNorm);
  FfnKind defFfn = FfnKind::GatedMlp;
  if (kind == "attention") {
    l.mixer = readAttention(f.getObject("attention"), hidden, std::nullopt, std::nullopt);
  } else if (kind == "mamba1") {
    l.mixer = readMamba1(f.getObject("mamba1"), hidden);
  } else if (kind == "mamba2") {
    l.mixer = readMamba2(f.getObject("mamba2"), hidden, std::nullopt, std::nullopt);
  } else if (kind == "parallel") {
    ParallelSpec p;
    p.attention = readAttention(f.getObject("attention"), hidden, std::nullopt, std::nullopt);
    p.mamba2 = readMamba2(f.getObject("mamba2"), hidden, std::nullopt, std::nullopt);
    l.mixer = p;
  } else if (kind == "intra") {
    l.mixer = readIntra(f, hidden);
  } else if (kind == "mlp") {
    l.mixer = NoMixer{};
  } else if (kind == "moe") {
    l.mixer = NoMixer{};
    defFfn = FfnKind::Moe;
  } else {
    f.failValue("kind", "one of attention, mamba1, mamba2, parallel, intra, mlp, moe");
  }
  if (l.hasMixer())
    l.mixerNorm = norm;
  if (f.hasValue("ffn"))
    readFfn(f.getObject("ffn"), l, defFfn);
  else if (!l.hasMixer())
    f.fail("ffn", "an ffn object (a \"" + kind + "\" layer is only its FFN)", "missing");
  if (kind == "mlp" && l.ffn.kind != FfnKind::Mlp && l.ffn.kind != FfnKind::GatedMlp)
    f.getObject("ffn").fail("kind", "mlp or gated in an \"mlp\" layer", toString(l.ffn.kind));
  if (kind == "moe" && l.ffn.kind != FfnKind::Moe)
    f.getObject("ffn").fail("kind", "moe in a \"moe\" layer", toString(l.ffn.kind));
  if (l.ffn.kind != FfnKind::None)
    l.ffnNorm = norm;
}

// merge_patch of `patch` (an object, or absent) into `base`.
void mergeInto(nlohmann::json &base, const Fields &owner, const std::string &key) {
  const nlohmann::json *p = owner.find(key);
  if (!p || p->is_null())
    return;
  if (!p->is_object())
    owner.failValue(key, "an object");
  base.merge_patch(*p);
}

} // namespace

Expected<ModelSpec> parseNativeConfig(const nlohmann::json &config, const std::string &file) {
  return runReader(config, file, [&](const Fields &f) -> ModelSpec {
    if (f.getString("format", "") != "hybridc")
      f.failValue("format", "\"hybridc\"");
    f.rejectUnknown(kTopKeys, "a top-level field of the hybridc format");
    if (f.getInt("version", 1) != 1)
      f.failValue("version", "1");
    ModelSpec spec;
    spec.format = SourceFormat::Native;
    spec.modelType = "hybridc";
    spec.naming = WeightNaming::Native;
    spec.name = f.getString("name", "model");
    spec.vocabSize = f.requireInt("vocab_size");
    spec.outputVocabSize = f.getInt("output_vocab_size", spec.vocabSize);
    spec.hidden = f.requireInt("hidden_size");
    spec.numCodebooks = f.getInt("num_codebooks", 1);
    spec.tiedEmbeddings = f.getBool("tie_embeddings", false);
    spec.embeddingMultiplier = f.getDouble("embedding_multiplier", 1.0);
    spec.logitsMultiplier = f.getDouble("logits_multiplier", 1.0);
    spec.residualMultiplier = f.getDouble("residual_multiplier", 1.0);
    spec.residualInFp32 = f.getBool("residual_in_fp32", false);
    for (const char *key : {"weight_dtype", "state_dtype"}) {
      std::optional<DType> t = parseDType(f.getString(key, "f32"));
      if (!t || (*t == DType::F64 && std::string(key) == "state_dtype"))
        f.failValue(key, std::string(key) == "state_dtype" ? "one of f32, bf16, f16"
                                                            : "one of f32, bf16, f16, f64");
      (std::string(key) == "state_dtype" ? spec.stateDtype : spec.weightDtype) = *t;
    }
    NormSpec defNorm{NormKind::RMS, 1e-5, false};
    defNorm = readNorm(f.getObject("norm"), defNorm);
    spec.finalNorm = readNorm(f.getObject("final_norm"), defNorm);

    nlohmann::json defaults = nlohmann::json::object();
    mergeInto(defaults, f, "layer_defaults");

    std::vector<nlohmann::json> layerJson;
    std::vector<std::string> layerPath;
    if (f.hasValue("layers")) {
      for (const char *k : {"attn_layer_idx", "ssm_kind", "attention_layer", "ssm_layer"})
        if (f.has(k))
          f.failValue(k, "absent when an explicit \"layers\" list is given");
      const nlohmann::json *a = f.getArray("layers");
      if (a->empty() || a->size() > size_t(kMaxLayers))
        f.failValue("layers", "a list of 1 to " + std::to_string(kMaxLayers) + " layers");
      if (f.has("num_layers") && f.getInt("num_layers", 0, 1, kMaxLayers) != int64_t(a->size()))
        f.failValue("num_layers", "the number of entries in layers (" +
                                      std::to_string(a->size()) + ")");
      for (size_t i = 0; i < a->size(); ++i) {
        std::string path = "layers[" + std::to_string(i) + "]";
        if (!(*a)[i].is_object())
          failAt(file, path, "a layer object", describe((*a)[i]));
        nlohmann::json merged = defaults;
        merged.merge_patch((*a)[i]);
        layerJson.push_back(std::move(merged));
        layerPath.push_back(path);
      }
    } else if (f.has("attn_layer_idx") || f.has("num_layers")) {
      int64_t n = f.requireInt("num_layers", 1, kMaxLayers);
      std::vector<bool> isAttn = readLayerIndexSet(f, "attn_layer_idx", n);
      std::string ssmKind = f.getString("ssm_kind", "mamba2");
      if (ssmKind != "mamba1" && ssmKind != "mamba2")
        f.failValue("ssm_kind", "mamba1 or mamba2");
      for (int64_t i = 0; i < n; ++i) {
        bool attn = isAttn[size_t(i)];
        nlohmann::json merged = defaults;
        mergeInto(merged, f, attn ? "attention_layer" : "ssm_layer");
        merged["kind"] = attn ? "attention" : ssmKind;
        layerJson.push_back(std::move(merged));
        layerPath.push_back("layers[" + std::to_string(i) + "]");
      }
    } else {
      f.fail("layers", "a \"layers\" list, or \"num_layers\" with \"attn_layer_idx\"", "missing");
    }

    spec.numLayers = int64_t(layerJson.size());
    spec.layers = makeLayers(spec.numLayers);
    for (size_t i = 0; i < layerJson.size(); ++i)
      readLayer(Fields(layerJson[i], layerPath[i], file), spec.layers[i], spec.hidden, defNorm);
    return spec;
  });
}

} // namespace hybrid::frontend
