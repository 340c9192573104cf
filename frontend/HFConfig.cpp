//===- HFConfig.cpp - HuggingFace config.json -> ModelSpec ---------------===//
//
// One reader per model_type, each following transformers' configuration_*.py
// (defaults) and modeling_*.py (which fields change the math, tensor names
// and shapes). docs/Frontend.md lists, per type, every field read and every
// value refused. Fields that do not change the math (dropout, initializer
// ranges, token ids, use_cache, ...) are not read.
//
//===----------------------------------------------------------------------===//

#include "frontend/Config.h"
#include "frontend/ReaderSupport.h"

#include <cmath>

namespace hybrid::frontend {

using namespace detail;

namespace {

NormSpec rmsNorm(double eps) { return NormSpec{NormKind::RMS, eps, false}; }

double positiveDouble(const Fields &f, const std::string &key, double def) {
  double v = f.getDouble(key, def);
  if (!(v > 0))
    f.failValue(key, "a positive number");
  return v;
}

// num_key_value_heads: absent -> the class default, null -> num_attention_heads
// ("for backward compatibility"); must divide the head count.
int64_t readKvHeads(const Fields &f, int64_t heads, int64_t absentDefault) {
  int64_t kv = f.has("num_key_value_heads")
                   ? f.getOptInt("num_key_value_heads").value_or(heads)
                   : absentDefault;
  if (heads % kv != 0)
    f.fail("num_key_value_heads",
           "a divisor of num_attention_heads (" + std::to_string(heads) + ")",
           std::to_string(kv));
  return kv;
}

// head_dim: an explicit (non-null) value wins; otherwise hidden_size //
// num_attention_heads as LlamaAttention computes it. `requireDivisible`:
// the config class itself refuses hidden_size % num_attention_heads != 0.
int64_t readHeadDim(const Fields &f, int64_t hidden, int64_t heads, bool requireDivisible,
                    std::optional<int64_t> absentDefault = std::nullopt) {
  if (requireDivisible && hidden % heads != 0)
    f.fail("num_attention_heads", "a divisor of hidden_size (" + std::to_string(hidden) + ")",
           std::to_string(heads));
  if (f.hasValue("head_dim"))
    return f.getInt("head_dim", 0);
  if (absentDefault && !f.has("head_dim"))
    return *absentDefault;
  if (hidden / heads < 1)
    f.fail("num_attention_heads", "at most hidden_size (" + std::to_string(hidden) + ")",
           std::to_string(heads));
  return hidden / heads;
}

struct Rope {
  double theta = 10000.0;
  double partial = 1.0;
};

// rope_scaling (transformers 4) or rope_parameters (transformers 5), possibly
// nested per layer type ({"full_attention": {...}}). Only rope_type "default"
// is supported. rope_theta: the dict's value, else the top-level field, else
// the class default. partial_rotary_factor: the top-level field wins (as
// standardize_rope_params copies it over the dict's), else the dict's, else 1.
Rope readRope(const Fields &f, double defaultTheta) {
  Rope rope;
  const char *dictKey = f.hasValue("rope_scaling")      ? "rope_scaling"
                        : f.hasValue("rope_parameters") ? "rope_parameters"
                                                        : nullptr;
  Fields d = f.getObject(dictKey ? dictKey : "rope_parameters");
  if (dictKey && d.isObject("full_attention"))
    d = d.getObject("full_attention");
  const char *typeKey = d.hasValue("rope_type") ? "rope_type" : "type";
  std::string type = d.hasValue(typeKey) ? d.getString(typeKey, "default") : "default";
  if (type != "default")
    d.failValue(typeKey, "\"default\" (RoPE scaling is not supported)");

  if (auto t = d.getOptDouble("rope_theta"))
    rope.theta = *t;
  else if (auto t2 = f.getOptDouble("rope_theta"))
    rope.theta = *t2;
  else
    rope.theta = defaultTheta;
  if (!(rope.theta > 0))
    (d.hasValue("rope_theta") ? d : f).failValue("rope_theta", "a positive number");

  const Fields &pf = f.hasValue("partial_rotary_factor") ? f : d;
  if (auto p = pf.getOptDouble("partial_rotary_factor")) {
    if (!(*p > 0 && *p <= 1))
      pf.failValue("partial_rotary_factor", "a number in (0, 1]");
    rope.partial = *p;
  }
  return rope;
}

void requireFullRotary(const Fields &f, const Rope &rope, const std::string &why) {
  if (rope.partial != 1.0)
    f.fail("partial_rotary_factor", "1.0 (" + why + ")", formatDouble(rope.partial));
}

// time_step_limit: [min, max], max may be Infinity.
void readTimeStepLimit(const Fields &f, const std::string &key, Mamba2Spec &m) {
  auto v = f.getDoubleList(key, /*allowInf=*/true);
  if (!v)
    return;
  if (v->size() != 2)
    f.failValue(key, "a list [min, max]");
  if (!((*v)[0] >= 0 && std::isfinite((*v)[0])))
    f.fail(key + "[0]", "a finite number >= 0", formatDouble((*v)[0]));
  if (!((*v)[1] > (*v)[0]))
    f.fail(key + "[1]", "a number > " + formatDouble((*v)[0]), formatDouble((*v)[1]));
  m.dtMin = (*v)[0];
  m.dtMax = (*v)[1];
}

// The Mamba conv (and Mamba-2 mixers of these families) use hidden_act.
void requireSiluFor(const Fields &f, const std::string &key, const std::string &def) {
  if (readActivation(f, key, def) != Activation::Silu)
    f.failValue(key, "silu (the activation of the Mamba mixer)");
}

void rejectQuantized(const Fields &f) {
  if (f.hasValue("quantization_config"))
    f.failValue("quantization_config", "no quantization (quantized checkpoints are not supported)");
}

FfnSpec gatedMlp(int64_t intermediate, Activation act, bool bias) {
  FfnSpec f;
  f.kind = FfnKind::GatedMlp;
  f.intermediate = intermediate;
  f.activation = act;
  f.bias = bias;
  return f;
}

FfnSpec plainMlp(int64_t intermediate, Activation act, bool bias) {
  FfnSpec f = gatedMlp(intermediate, act, bias);
  f.kind = FfnKind::Mlp;
  return f;
}

ModelSpec baseSpec(const Fields &f, const std::string &type, WeightNaming naming) {
  ModelSpec spec;
  spec.format = SourceFormat::HF;
  spec.modelType = type;
  spec.naming = naming;
  const nlohmann::json *name = f.find("_name_or_path");
  spec.name = name && name->is_string() && !name->get_ref<const std::string &>().empty()
                  ? name->get<std::string>()
                  : type;
  spec.weightDtype = readWeightDType(f);
  return spec;
}

void setLayers(ModelSpec &spec, int64_t n) {
  spec.numLayers = n;
  spec.layers = makeLayers(n);
}

// Attention of the Llama family: bias on q/k/v/o per `bias`, full rotary.
AttentionSpec llamaAttention(int64_t heads, int64_t kv, int64_t hd, bool bias) {
  AttentionSpec a;
  a.numHeads = heads;
  a.numKvHeads = kv;
  a.headDim = hd;
  a.qkvBias = bias;
  a.outBias = bias;
  return a;
}

void setRope(AttentionSpec &a, const Rope &rope) {
  a.ropeTheta = rope.theta;
  a.rotaryDim = int64_t(double(a.headDim) * rope.partial);
}

//===----------------------------------------------------------------------===//
// llama, mistral
//===----------------------------------------------------------------------===//

ModelSpec readLlama(const Fields &f, bool mistral) {
  ModelSpec spec = baseSpec(f, mistral ? "mistral" : "llama", WeightNaming::Llama);
  spec.vocabSize = f.getInt("vocab_size", 32000);
  spec.hidden = f.getInt("hidden_size", 4096);
  int64_t inter = f.getInt("intermediate_size", mistral ? 14336 : 11008);
  int64_t layers = f.getInt("num_hidden_layers", 32, 1, kMaxLayers);
  int64_t heads = f.getInt("num_attention_heads", 32);
  int64_t kv = readKvHeads(f, heads, mistral ? 8 : heads);
  // LlamaConfig.validate_architecture refuses hidden_size % heads != 0.
  int64_t hd = readHeadDim(f, spec.hidden, heads, /*requireDivisible=*/!mistral);
  Activation act = readActivation(f, "hidden_act", "silu");
  double eps = positiveDouble(f, "rms_norm_eps", 1e-6);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  // MistralAttention / MistralMLP have no biases.
  bool attnBias = mistral ? false : f.getBool("attention_bias", false);
  bool mlpBias = mistral ? false : f.getBool("mlp_bias", false);
  Rope rope = readRope(f, 10000.0);
  requireFullRotary(f, rope, "apply_rotary_pos_emb rotates whole heads");
  int64_t window = 0;
  if (mistral) // absent: 4096; null: no window
    window = f.has("sliding_window") ? f.getOptInt("sliding_window").value_or(0) : 4096;

  setLayers(spec, layers);
  for (LayerSpec &l : spec.layers) {
    l.mixer = MixerKind::Attention;
    l.mixerNorm = rmsNorm(eps);
    l.attention = llamaAttention(heads, kv, hd, attnBias);
    setRope(l.attention, rope);
    l.attention.slidingWindow = window;
    l.ffnNorm = rmsNorm(eps);
    l.ffn = gatedMlp(inter, act, mlpBias);
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

//===----------------------------------------------------------------------===//
// mamba, mamba2
//===----------------------------------------------------------------------===//

// int(expand * hidden_size), expand may be a float.
int64_t expandedWidth(const Fields &f, const std::string &key, double def, int64_t hidden) {
  double e = f.getDouble(key, def);
  if (!(e > 0) || e > 1024)
    f.failValue(key, "a positive number");
  double w = std::floor(e * double(hidden));
  if (w < 1 || w > double(kMaxInt))
    f.fail(key, "expand * hidden_size in [1, " + std::to_string(kMaxInt) + "]",
           formatDouble(e));
  return int64_t(w);
}

ModelSpec readMamba(const Fields &f) {
  ModelSpec spec = baseSpec(f, "mamba", WeightNaming::Mamba);
  spec.vocabSize = f.getInt("vocab_size", 50280);
  spec.hidden = f.getInt("hidden_size", 768);
  int64_t state = f.getInt("state_size", 16);
  int64_t layers = f.getInt("num_hidden_layers", 32, 1, kMaxLayers);
  double eps = positiveDouble(f, "layer_norm_epsilon", 1e-5);
  int64_t inner = expandedWidth(f, "expand", 2, spec.hidden);
  // config.json also stores the derived intermediate_size / time_step_rank.
  if (f.hasValue("intermediate_size") && f.getInt("intermediate_size", inner) != inner)
    f.failValue("intermediate_size", "int(expand * hidden_size) = " + std::to_string(inner));
  int64_t conv = f.getInt("conv_kernel", 4);
  bool bias = f.getBool("use_bias", false);
  bool convBias = f.getBool("use_conv_bias", true);
  requireSiluFor(f, "hidden_act", "silu");
  spec.residualInFp32 = f.getBool("residual_in_fp32", true);
  int64_t dtRank = (spec.hidden + 15) / 16;
  const nlohmann::json *r = f.find("time_step_rank");
  if (r && !(r->is_string() && r->get<std::string>() == "auto"))
    dtRank = f.getInt("time_step_rank", dtRank);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", true);

  setLayers(spec, layers);
  for (LayerSpec &l : spec.layers) {
    l.mixer = MixerKind::Mamba1;
    l.mixerNorm = rmsNorm(eps);
    Mamba1Spec &m = l.mamba1;
    m.dInner = inner;
    m.dState = state;
    m.dConv = conv;
    m.dtRank = dtRank;
    m.inProjBias = bias;
    m.outProjBias = bias;
    m.convBias = convBias;
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

ModelSpec readMamba2(const Fields &f) {
  ModelSpec spec = baseSpec(f, "mamba2", WeightNaming::Mamba);
  int64_t heads = f.getInt("num_heads", 128);
  int64_t headDim = f.getInt("head_dim", 64);
  spec.vocabSize = f.getInt("vocab_size", 32768);
  spec.hidden = f.getInt("hidden_size", 4096);
  int64_t state = f.getInt("state_size", 128);
  int64_t layers = f.getInt("num_hidden_layers", 64, 1, kMaxLayers);
  double eps = positiveDouble(f, "layer_norm_epsilon", 1e-5);
  int64_t inner = expandedWidth(f, "expand", 2, spec.hidden);
  if (heads * headDim != inner)
    f.fail("num_heads",
           "num_heads * head_dim == int(expand * hidden_size) (" + std::to_string(inner) + ")",
           std::to_string(heads) + " * " + std::to_string(headDim));
  int64_t conv = f.getInt("conv_kernel", 4);
  int64_t groups = f.getInt("n_groups", 8);
  if (heads % groups != 0)
    f.fail("n_groups", "a divisor of num_heads (" + std::to_string(heads) + ")",
           std::to_string(groups));
  bool bias = f.getBool("use_bias", false);
  bool convBias = f.getBool("use_conv_bias", true);
  requireSiluFor(f, "hidden_act", "silu");
  spec.residualInFp32 = f.getBool("residual_in_fp32", true);
  int64_t chunk = f.getInt("chunk_size", 256);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  Mamba2Spec m;
  readTimeStepLimit(f, "time_step_limit", m);
  // Mamba2Mixer always applies MambaRMSNormGated over the whole
  // intermediate_size (the `rms_norm` field is not consulted).
  f.getBool("rms_norm", true);

  setLayers(spec, layers);
  for (LayerSpec &l : spec.layers) {
    l.mixer = MixerKind::Mamba2;
    l.mixerNorm = rmsNorm(eps);
    m.nHeads = heads;
    m.headDim = headDim;
    m.nGroups = groups;
    m.dState = state;
    m.dConv = conv;
    m.chunkSize = chunk;
    m.gatedNorm = true;
    m.normEps = eps;
    m.normBeforeGate = false;
    m.normGroups = 1;
    m.inProjBias = bias;
    m.outProjBias = bias;
    m.convBias = convBias;
    l.mamba2 = m;
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

//===----------------------------------------------------------------------===//
// jamba
//===----------------------------------------------------------------------===//

ModelSpec readJamba(const Fields &f) {
  ModelSpec spec = baseSpec(f, "jamba", WeightNaming::Jamba);
  spec.vocabSize = f.getInt("vocab_size", 65536);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  spec.hidden = f.getInt("hidden_size", 4096);
  int64_t inter = f.getInt("intermediate_size", 14336);
  int64_t layers = f.getInt("num_hidden_layers", 32, 1, kMaxLayers);
  int64_t heads = f.getInt("num_attention_heads", 32);
  int64_t kv = readKvHeads(f, heads, 8);
  int64_t hd = readHeadDim(f, spec.hidden, heads, false);
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

  setLayers(spec, layers);
  for (LayerSpec &l : spec.layers) {
    int64_t i = l.index;
    l.mixerNorm = rmsNorm(eps);
    if (i % attnPeriod == attnOffset) {
      l.mixer = MixerKind::Attention;
      l.attention = llamaAttention(heads, kv, hd, false); // no RoPE, no bias
    } else {
      l.mixer = MixerKind::Mamba1;
      Mamba1Spec &m = l.mamba1;
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
      moe.expert = gatedMlp(inter, Activation::Silu, false);
    } else {
      l.ffn = gatedMlp(inter, Activation::Silu, false);
    }
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

//===----------------------------------------------------------------------===//
// bamba, granitemoehybrid (BambaMixer), falcon_h1
//===----------------------------------------------------------------------===//

// mamba_n_heads / mamba_d_head ("auto" = intermediate / heads) as
// BambaConfig and GraniteMoeHybridConfig check them.
void readBambaMixerHeads(const Fields &f, int64_t intermediate, Mamba2Spec &m) {
  int64_t heads = f.getInt("mamba_n_heads", 128);
  if (intermediate % heads != 0)
    f.fail("mamba_n_heads",
           "a divisor of the Mamba intermediate size (" + std::to_string(intermediate) + ")",
           std::to_string(heads));
  int64_t headDim = intermediate / heads;
  const nlohmann::json *d = f.find("mamba_d_head");
  if (d && !(d->is_string() && d->get<std::string>() == "auto"))
    headDim = f.getInt("mamba_d_head", headDim);
  if (headDim * heads != intermediate)
    f.fail("mamba_d_head",
           "mamba_d_head * mamba_n_heads == " + std::to_string(intermediate) + " (or \"auto\")",
           std::to_string(headDim));
  m.nHeads = heads;
  m.headDim = headDim;
  m.nGroups = f.getInt("mamba_n_groups", 1);
  if (heads % m.nGroups != 0)
    f.fail("mamba_n_groups", "a divisor of mamba_n_heads (" + std::to_string(heads) + ")",
           std::to_string(m.nGroups));
  m.dState = f.getInt("mamba_d_state", 256);
  m.dConv = f.getInt("mamba_d_conv", 4);
  m.chunkSize = f.getInt("mamba_chunk_size", 256);
  m.convBias = f.getBool("mamba_conv_bias", true);
  m.inProjBias = m.outProjBias = f.getBool("mamba_proj_bias", false);
}

ModelSpec readBamba(const Fields &f) {
  ModelSpec spec = baseSpec(f, "bamba", WeightNaming::Jamba);
  spec.vocabSize = f.getInt("vocab_size", 128000);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  spec.hidden = f.getInt("hidden_size", 4096);
  int64_t inter = f.getInt("intermediate_size", 14336);
  int64_t layers = f.getInt("num_hidden_layers", 32, 1, kMaxLayers);
  int64_t heads = f.getInt("num_attention_heads", 32);
  int64_t kv = readKvHeads(f, heads, 8);
  int64_t hd = readHeadDim(f, spec.hidden, heads, false);
  requireSiluFor(f, "hidden_act", "silu");
  double eps = positiveDouble(f, "rms_norm_eps", 1e-5);
  std::vector<bool> isAttn = readLayerIndexSet(f, "attn_layer_indices", layers);
  Mamba2Spec m;
  int64_t expand = f.getInt("mamba_expand", 2);
  readBambaMixerHeads(f, expand * spec.hidden, m);
  readTimeStepLimit(f, "time_step_limit", m);
  m.gatedNorm = true;
  m.normEps = eps;
  m.normBeforeGate = false;
  m.normGroups = 1; // BambaRMSNormGated normalizes the whole width
  // BambaConfig hardcodes partial_rotary_factor = 0.5, and attention_bias /
  // mlp_bias = False, whatever config.json says.
  Rope rope = readRope(f, 10000.0);
  rope.partial = 0.5;

  setLayers(spec, layers);
  for (LayerSpec &l : spec.layers) {
    l.mixerNorm = rmsNorm(eps);
    if (isAttn[size_t(l.index)]) {
      l.mixer = MixerKind::Attention;
      l.attention = llamaAttention(heads, kv, hd, false);
      setRope(l.attention, rope);
    } else {
      l.mixer = MixerKind::Mamba2;
      l.mamba2 = m;
    }
    l.ffnNorm = rmsNorm(eps);
    l.ffn = gatedMlp(inter, Activation::Silu, false);
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

std::array<double, 5> readMultiplierList5(const Fields &f, const std::string &key) {
  std::array<double, 5> out{1, 1, 1, 1, 1};
  if (auto v = f.getDoubleList(key)) {
    if (v->size() != 5)
      f.failValue(key, "5 numbers (z, x, B, C, dt)");
    for (size_t i = 0; i < 5; ++i)
      out[i] = (*v)[i];
  }
  return out;
}

ModelSpec readFalconH1(const Fields &f) {
  ModelSpec spec = baseSpec(f, "falcon_h1", WeightNaming::Jamba);
  spec.vocabSize = f.getInt("vocab_size", 128000);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  spec.hidden = f.getInt("hidden_size", 4096);
  int64_t inter = f.getInt("intermediate_size", 14336);
  int64_t layers = f.getInt("num_hidden_layers", 32, 1, kMaxLayers);
  int64_t heads = f.getInt("num_attention_heads", 32);
  int64_t kv = readKvHeads(f, heads, 8);
  int64_t hd = readHeadDim(f, spec.hidden, heads, false);
  requireSiluFor(f, "hidden_act", "silu");
  double eps = positiveDouble(f, "rms_norm_eps", 1e-5);
  bool attnBias = f.getBool("attention_bias", false);
  bool mlpBias = f.getBool("mlp_bias", false);
  bool projectorsBias = f.getBool("projectors_bias", false);

  Mamba2Spec m;
  int64_t expand = f.getInt("mamba_expand", 2);
  int64_t dSsm = f.has("mamba_d_ssm") ? f.getOptInt("mamba_d_ssm").value_or(expand * spec.hidden)
                                      : 1024;
  readBambaMixerHeads(f, dSsm, m);
  m.outProjBias = projectorsBias; // out_proj uses projectors_bias, in_proj mamba_proj_bias
  readTimeStepLimit(f, "time_step_limit", m);
  m.gatedNorm = f.getBool("mamba_rms_norm", false);
  m.normEps = eps;
  m.normBeforeGate = f.getBool("mamba_norm_before_gate", true);
  m.normGroups = m.nGroups; // FalconH1RMSNormGated(n_groups=mamba_n_groups)
  m.inputMultiplier = f.getDouble("ssm_in_multiplier", 1.0);
  m.projMultipliers = readMultiplierList5(f, "ssm_multipliers");
  m.outputMultiplier = f.getDouble("ssm_out_multiplier", 1.0);

  // FalconH1RotaryEmbedding's default init rotates the whole head_dim.
  Rope rope = readRope(f, 10000.0);
  AttentionSpec a = llamaAttention(heads, kv, hd, attnBias);
  a.ropeTheta = rope.theta;
  a.rotaryDim = hd;
  a.keyMultiplier = f.getDouble("key_multiplier", 1.0);
  a.inputMultiplier = f.getDouble("attention_in_multiplier", 1.0);
  a.outputMultiplier = f.getDouble("attention_out_multiplier", 1.0);

  FfnSpec ffn = gatedMlp(inter, Activation::Silu, mlpBias);
  if (auto mm = f.getDoubleList("mlp_multipliers")) {
    if (mm->size() != 2)
      f.failValue("mlp_multipliers", "2 numbers (gate, down)");
    ffn.gateMultiplier = (*mm)[0];
    ffn.downMultiplier = (*mm)[1];
  }
  spec.embeddingMultiplier = f.getDouble("embedding_multiplier", 1.0);
  spec.logitsMultiplier = f.getDouble("lm_head_multiplier", 1.0);

  setLayers(spec, layers);
  for (LayerSpec &l : spec.layers) {
    l.mixer = MixerKind::Parallel;
    l.mixerNorm = rmsNorm(eps);
    l.attention = a;
    l.mamba2 = m;
    l.ffnNorm = rmsNorm(eps);
    l.ffn = ffn;
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

ModelSpec readGraniteMoeHybrid(const Fields &f) {
  ModelSpec spec = baseSpec(f, "granitemoehybrid", WeightNaming::GraniteMoeHybrid);
  spec.vocabSize = f.getInt("vocab_size", 32000);
  spec.hidden = f.getInt("hidden_size", 4096);
  int64_t inter = f.getInt("intermediate_size", 11008);
  int64_t layers = f.getInt("num_hidden_layers", 32, 1, kMaxLayers);
  int64_t heads = f.getInt("num_attention_heads", 32);
  int64_t kv = readKvHeads(f, heads, heads);
  int64_t hd = readHeadDim(f, spec.hidden, heads, false);
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

  std::vector<std::string> types(size_t(layers), "mamba");
  if (const nlohmann::json *lt = f.getArray("layer_types")) {
    if (int64_t(lt->size()) != layers)
      f.fail("layer_types", "num_hidden_layers (" + std::to_string(layers) + ") entries",
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

  Mamba2Spec m;
  int64_t expand = f.getInt("mamba_expand", 2);
  readBambaMixerHeads(f, expand * spec.hidden, m);
  readTimeStepLimit(f, "time_step_limit", m);
  m.gatedNorm = true;
  m.normEps = eps;
  m.normBeforeGate = false;
  m.normGroups = 1;

  FfnSpec shared = gatedMlp(sharedInter, Activation::Silu, false);
  shared.fusedGateUp = true; // input_linear [2S, H]: act(first half) * second half
  shared.gateFirst = true;

  setLayers(spec, layers);
  for (LayerSpec &l : spec.layers) {
    l.mixerNorm = rmsNorm(eps);
    if (types[size_t(l.index)] == "attention") {
      l.mixer = MixerKind::Attention;
      l.attention = llamaAttention(heads, kv, hd, attnBias);
      l.attention.softmaxScale = attnMult;
      if (useRope)
        setRope(l.attention, rope);
    } else {
      l.mixer = MixerKind::Mamba2;
      l.mamba2 = m;
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
      moe.expert = gatedMlp(inter, Activation::Silu, false);
      moe.shared = shared;
    } else {
      l.ffn = shared;
    }
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

//===----------------------------------------------------------------------===//
// nemotron_h
//===----------------------------------------------------------------------===//

enum class NemotronBlock { Mamba, Attention, Mlp, Moe };

std::vector<NemotronBlock> readNemotronPattern(const Fields &f) {
  std::vector<NemotronBlock> out;
  const char *listKey = f.hasValue("layers_block_type") ? "layers_block_type"
                        : f.hasValue("layer_types")     ? "layer_types"
                                                        : nullptr;
  if (listKey) {
    const nlohmann::json *a = f.getArray(listKey);
    if (a->size() < 1 || a->size() > size_t(kMaxLayers))
      f.failValue(listKey, "a list of 1 to " + std::to_string(kMaxLayers) + " layer types");
    for (size_t i = 0; i < a->size(); ++i) {
      const nlohmann::json &v = (*a)[i];
      std::string s = v.is_string() ? v.get<std::string>() : "";
      if (s == "mamba" || s == "linear_attention")
        out.push_back(NemotronBlock::Mamba);
      else if (s == "attention" || s == "full_attention")
        out.push_back(NemotronBlock::Attention);
      else if (s == "mlp")
        out.push_back(NemotronBlock::Mlp);
      else if (s == "moe")
        out.push_back(NemotronBlock::Moe);
      else
        f.fail(std::string(listKey) + "[" + std::to_string(i) + "]",
               "one of mamba, attention, mlp, moe, linear_attention, full_attention",
               describe(v));
    }
    return out;
  }
  if (f.hasValue("hybrid_override_pattern")) {
    std::string p = f.getString("hybrid_override_pattern", "");
    if (p.empty() || p.size() > size_t(kMaxLayers))
      f.failValue("hybrid_override_pattern",
                  "a string of 1 to " + std::to_string(kMaxLayers) + " letters M, *, -, E");
    for (size_t i = 0; i < p.size(); ++i) {
      switch (p[i]) {
      case 'M': out.push_back(NemotronBlock::Mamba); break;
      case '*': out.push_back(NemotronBlock::Attention); break;
      case '-': out.push_back(NemotronBlock::Mlp); break;
      case 'E': out.push_back(NemotronBlock::Moe); break;
      default:
        f.fail("hybrid_override_pattern[" + std::to_string(i) + "]",
               "one of M (Mamba-2), * (attention), - (MLP), E (MoE)",
               describe(nlohmann::json(std::string(1, p[i]))));
      }
    }
    return out;
  }
  // NemotronHConfig's default layers_block_type.
  return {NemotronBlock::Mamba, NemotronBlock::Moe, NemotronBlock::Attention, NemotronBlock::Mlp};
}

// New field names win over the legacy mamba_* spellings only when the legacy
// one is absent (NemotronHConfig.__post_init__ pops the legacy ones last).
const char *nemotronKey(const Fields &f, const char *key, const char *legacy) {
  return f.has(legacy) ? legacy : key;
}

ModelSpec readNemotronH(const Fields &f) {
  ModelSpec spec = baseSpec(f, "nemotron_h", WeightNaming::NemotronH);
  spec.vocabSize = f.getInt("vocab_size", 131072);
  spec.hidden = f.getInt("hidden_size", 4096);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  std::vector<NemotronBlock> blocks = readNemotronPattern(f);
  int64_t layers = int64_t(blocks.size());
  if (f.hasValue("num_hidden_layers") && f.getInt("num_hidden_layers", layers, 1, kMaxLayers) != layers)
    f.failValue("num_hidden_layers",
                "the length of the layer pattern (" + std::to_string(layers) + ")");
  int64_t heads = f.getInt("num_attention_heads", 32);
  int64_t kv = readKvHeads(f, heads, 8);
  int64_t hd = readHeadDim(f, spec.hidden, heads, false, /*absentDefault=*/128);
  // attention_bias and sliding_window do not change the math: NemotronH
  // attention (JambaAttention) has no biases and the mask is full causal.
  int64_t inter = f.getInt("intermediate_size", 21504);
  Activation mlpAct = readActivation(f, "mlp_hidden_act", "relu2");
  bool mlpBias = f.getBool("mlp_bias", false);
  requireSiluFor(f, "mamba_hidden_act", "silu");
  double eps = positiveDouble(f, "layer_norm_epsilon", 1e-5);
  spec.residualInFp32 = f.getBool("residual_in_fp32", false);

  Mamba2Spec m;
  m.dState = f.getInt("ssm_state_size", 128);
  m.nHeads = f.getInt("mamba_num_heads", 128);
  m.headDim = f.getInt("mamba_head_dim", 64);
  const char *groupsKey = nemotronKey(f, "n_groups", "mamba_n_groups");
  m.nGroups = f.getInt(groupsKey, 8);
  if (m.nHeads % m.nGroups != 0)
    f.fail(groupsKey, "a divisor of mamba_num_heads (" + std::to_string(m.nHeads) + ")",
           std::to_string(m.nGroups));
  m.dConv = f.getInt(nemotronKey(f, "conv_kernel", "mamba_d_conv"), 4);
  readTimeStepLimit(f, nemotronKey(f, "time_step_limit", "mamba_dt_limit"), m);
  m.convBias = f.getBool(nemotronKey(f, "use_conv_bias", "mamba_conv_bias"), true);
  m.chunkSize = f.getInt(nemotronKey(f, "chunk_size", "mamba_chunk_size"), 128);
  m.inProjBias = m.outProjBias = f.getBool("use_bias", false);
  m.gatedNorm = true;
  m.normEps = eps;
  m.normBeforeGate = false;
  m.normGroups = m.nGroups; // MambaRMSNormGated(group_size = intermediate / n_groups)

  MoeSpec moe;
  moe.numExperts = f.getInt(f.has("n_routed_experts") ? "n_routed_experts" : "num_local_experts",
                            8, 1, kMaxExperts);
  moe.topK = f.getInt("num_experts_per_tok", 2);
  moe.scoring = RouterScoring::Sigmoid;
  moe.correctionBias = true;
  moe.normTopK = f.getBool("norm_topk_prob", true);
  moe.routedScaling = f.getDouble("routed_scaling_factor", 1.0);
  moe.nGroup = f.getInt("n_group", 1);
  moe.topkGroup = f.getInt("topk_group", 1);
  moe.layout = ExpertLayout::PerExpert;
  moe.expert = plainMlp(f.getInt("moe_intermediate_size", 7688), mlpAct, false);
  moe.shared = plainMlp(f.getInt("moe_shared_expert_intermediate_size", 7688), mlpAct, mlpBias);
  if (f.hasValue("moe_latent_size"))
    f.failValue("moe_latent_size", "null (latent MoE projections are not supported)");
  bool hasMoe = false;
  for (NemotronBlock b : blocks)
    hasMoe |= b == NemotronBlock::Moe;
  if (hasMoe) {
    if (moe.numExperts % moe.nGroup != 0)
      f.failValue("n_group", "a divisor of n_routed_experts (" + std::to_string(moe.numExperts) + ")");
    if (moe.topkGroup > moe.nGroup)
      f.failValue("topk_group", "at most n_group (" + std::to_string(moe.nGroup) + ")");
    if (moe.topK > moe.numExperts)
      f.failValue("num_experts_per_tok",
                  "at most n_routed_experts (" + std::to_string(moe.numExperts) + ")");
  }

  setLayers(spec, layers);
  for (LayerSpec &l : spec.layers) {
    switch (blocks[size_t(l.index)]) {
    case NemotronBlock::Mamba:
      l.mixer = MixerKind::Mamba2;
      l.mixerNorm = rmsNorm(eps);
      l.mamba2 = m;
      break;
    case NemotronBlock::Attention:
      l.mixer = MixerKind::Attention;
      l.mixerNorm = rmsNorm(eps);
      l.attention = llamaAttention(heads, kv, hd, false); // no RoPE
      break;
    case NemotronBlock::Mlp:
      l.ffnNorm = rmsNorm(eps);
      l.ffn = plainMlp(inter, mlpAct, mlpBias);
      break;
    case NemotronBlock::Moe:
      l.ffnNorm = rmsNorm(eps);
      l.ffn.kind = FfnKind::Moe;
      l.moe = moe;
      break;
    }
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

} // namespace

Expected<ModelSpec> parseHFConfig(const nlohmann::json &config, const std::string &file) {
  return runReader(config, file, [](const Fields &f) -> ModelSpec {
    const std::vector<std::string> &types = supportedHFModelTypes();
    std::string type = f.requireString("model_type");
    rejectQuantized(f);
    ModelSpec spec;
    if (type == "llama") spec = readLlama(f, false);
    else if (type == "mistral") spec = readLlama(f, true);
    else if (type == "mamba") spec = readMamba(f);
    else if (type == "mamba2") spec = readMamba2(f);
    else if (type == "jamba") spec = readJamba(f);
    else if (type == "bamba") spec = readBamba(f);
    else if (type == "falcon_h1") spec = readFalconH1(f);
    else if (type == "nemotron_h") spec = readNemotronH(f);
    else if (type == "granitemoehybrid") spec = readGraniteMoeHybrid(f);
    else f.failValue("model_type", "one of " + join(types, ", "));
    spec.outputVocabSize = spec.vocabSize; // one lm head over the whole vocabulary
    return spec;
  });
}

} // namespace hybrid::frontend
