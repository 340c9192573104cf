//===- HFCommon.cpp - What the HuggingFace families read alike ------------===//
//
// The common fields of HFReaders.h. Each helper cites the transformers code
// whose behaviour it follows.
//
//===----------------------------------------------------------------------===//

#include "frontend/hf/HFReaders.h"

#include <cmath>

namespace hybrid::frontend::detail {

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
                    std::optional<int64_t> absentDefault) {
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

Trunk readTrunk(const Fields &f, const TrunkDefaults &d, ModelSpec &spec) {
  Trunk t;
  spec.vocabSize = f.getInt("vocab_size", d.vocab);
  spec.hidden = f.getInt("hidden_size", d.hidden);
  t.intermediate = f.getInt("intermediate_size", d.intermediate);
  t.layers = f.getInt("num_hidden_layers", d.layers, 1, kMaxLayers);
  t.heads = f.getInt("num_attention_heads", d.heads);
  t.kvHeads = readKvHeads(f, t.heads, d.kvHeads.value_or(t.heads));
  t.headDim = readHeadDim(f, spec.hidden, t.heads, d.requireDivisibleHeads);
  return t;
}

void setLayers(ModelSpec &spec, int64_t n) {
  spec.numLayers = n;
  spec.layers = makeLayers(n);
}

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

Mamba2Spec readBambaMixer(const Fields &f, int64_t hidden, double normEps) {
  Mamba2Spec m;
  int64_t expand = f.getInt("mamba_expand", 2);
  readBambaMixerHeads(f, expand * hidden, m);
  readTimeStepLimit(f, "time_step_limit", m);
  m.gatedNorm = true;
  m.normEps = normEps;
  m.normBeforeGate = false;
  m.normGroups = 1; // BambaRMSNormGated normalizes the whole width
  return m;
}

} // namespace hybrid::frontend::detail
