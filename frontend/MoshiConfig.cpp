//===- MoshiConfig.cpp - Moshi LM config.json -> ModelSpec ---------------===//
//
// A Moshi checkpoint's config.json holds the keyword arguments of
// moshi.models.lm.LMModel (plus the file names loaders.CheckpointInfo pops:
// moshi_name, mimi_name, tokenizer_name, ...). LMModel passes what it does not
// name to StreamingTransformer and on to StreamingTransformerLayer, which
// raise on unknown keys; so does this reader. `depformer_X` overrides X for
// the depth transformer (LMModel.__init__'s kwargs_dep), whose context is
// always None and whose positional embedding is depformer_pos_emb. Sources
// (kyutai-labs/moshi e6a55d2): moshi/models/lm.py, models/loaders.py,
// modules/transformer.py, modules/gating.py, modules/rope.py.
//
//===----------------------------------------------------------------------===//

#include "frontend/Config.h"
#include "frontend/ReaderSupport.h"

#include <cmath>
#include <cstdint>
#include <fstream>

namespace hybrid::frontend {

using namespace detail;

namespace {

// Mimi, the codec Moshi's codes come from: 24 kHz, one frame per 1920
// samples.
constexpr double kMimiFrameRate = 12.5;

// What a Moshi config.json may hold: LMModel's own arguments, the
// StreamingTransformer/-Layer keywords it forwards, their depformer_
// overrides, and the keys loaders.py pops before calling LMModel.
const std::vector<std::string> kMoshiKeys = {
    // LMModel
    "delays", "n_q", "dep_q", "card", "text_card", "text_card_out",
    "demux_second_text_stream", "demux_second_stream", "dim", "num_heads", "hidden_scale",
    "norm", "norm_emb", "bias_proj", "depformer_dim", "depformer_dim_feedforward",
    "depformer_multi_linear", "depformer_weights_per_step",
    "depformer_weights_per_step_schedule", "depformer_low_rank_embeddings",
    "depformer_pos_emb", "depformer_norm", "existing_text_padding_id",
    "existing_text_end_padding_id", "extra_heads_num_heads", "extra_heads_dim", "context",
    "causal", "quantize", "gradient_checkpointing", "conditioners", "fuser",
    // StreamingTransformer and StreamingTransformerLayer
    "num_layers", "positional_embedding", "max_period", "positional_scale", "betas",
    "layer_scale", "gating", "kv_repeat", "skip_self_attn", "cross_attention",
    // depformer_ overrides of those
    "depformer_num_heads", "depformer_num_layers", "depformer_layer_scale",
    "depformer_gating", "depformer_kv_repeat", "depformer_context", "depformer_max_period",
    "depformer_causal", "depformer_positional_scale", "depformer_betas",
    "depformer_skip_self_attn", "depformer_cross_attention",
    // loaders.CheckpointInfo and get_moshi_lm
    "moshi_name", "mimi_name", "mimi_config_name", "tokenizer_name", "lora_name",
    "model_type", "lm_gen_config", "tts_config", "stt_config", "model_id", "lora",
    "lora_rank", "lora_scaling"};

// Settings that change what the model computes and that the IR does not
// build: each must keep its default.
void requireDefaultBool(const Fields &f, const std::string &key, bool def, const char *what) {
  if (f.getBool(key, def) != def)
    f.failValue(key, std::string(def ? "true" : "false") + " (" + what + " is not supported)");
}

void requireNull(const Fields &f, const std::string &key, const char *what) {
  if (f.hasValue(key))
    f.failValue(key, std::string("null (") + what + " is not supported)");
}

// create_norm_fn: layer_norm (eps 1e-5), layer_norm_f32 (1e-8), rms_norm
// (1e-5), rms_norm_f32 (1e-8); the f32 variants compute in float32, which
// the f32 artifact does anyway.
NormSpec readNorm(const Fields &f, const std::string &key, const std::string &def) {
  std::string s = f.getString(key, def);
  if (s == "layer_norm") return NormSpec{NormKind::Layer, 1e-5, true};
  if (s == "layer_norm_f32") return NormSpec{NormKind::Layer, 1e-8, true};
  if (s == "rms_norm") return NormSpec{NormKind::RMS, 1e-5, false};
  if (s == "rms_norm_f32") return NormSpec{NormKind::RMS, 1e-8, false};
  f.failValue(key, "one of layer_norm, layer_norm_f32, rms_norm, rms_norm_f32");
}

// The key of a transformer setting: depformer_X for the depth transformer
// when present, else X (kwargs_dep = main kwargs updated by depformer_*).
std::string keyFor(const Fields &f, const std::string &key, bool depth) {
  std::string dep = "depformer_" + key;
  return depth && f.has(dep) ? dep : key;
}

// StreamingTransformer's positional_embedding: "rope" (interleaved pairs),
// "rope_concat" (halves), "none"; "sin" and "sin_rope" add a sinusoidal
// embedding to the input, which is not built.
void readPositional(const Fields &f, const std::string &key, const std::string &def,
                    double maxPeriod, AttentionSpec &a) {
  std::string s = f.getString(key, def);
  if (s == "none") {
    a.rotaryDim = 0;
    return;
  }
  if (s != "rope" && s != "rope_concat") {
    if (s == "sin" || s == "sin_rope")
      f.fail(key, "\"rope\", \"rope_concat\" or \"none\" (the sinusoidal embedding is not "
                  "supported)",
             f.has(key) ? describe(*f.find(key)) : "missing: the default, \"sin\"");
    f.failValue(key, "one of \"rope\", \"rope_concat\", \"none\"");
  }
  if (a.headDim % 2 != 0)
    f.failValue(key, "\"none\": rope rotates pairs and the head dim (" +
                         std::to_string(a.headDim) + ") is odd");
  a.rotaryDim = a.headDim;
  a.ropeInterleaved = s == "rope";
  a.ropeTheta = maxPeriod;
}

// StreamingMultiheadAttention: in_proj rows [q; k; v], kv heads num_heads /
// kv_repeat, no biases, scaled_dot_product_attention's 1/sqrt(head_dim).
AttentionSpec readAttention(const Fields &f, int64_t dim, bool depth) {
  AttentionSpec a;
  std::string headsKey = depth ? "depformer_num_heads" : "num_heads";
  a.numHeads = depth ? f.requireInt(headsKey) : f.getInt(headsKey, 8);
  if (dim % a.numHeads != 0)
    f.failValue(headsKey, "a divisor of " + std::string(depth ? "depformer_dim" : "dim") +
                              " (" + std::to_string(dim) + ")");
  std::string kvKey = keyFor(f, "kv_repeat", depth);
  int64_t kvRepeat = f.getInt(kvKey, 1);
  if (a.numHeads % kvRepeat != 0)
    f.failValue(kvKey, "a divisor of " + headsKey + " (" + std::to_string(a.numHeads) + ")");
  a.numKvHeads = a.numHeads / kvRepeat;
  a.headDim = dim / a.numHeads;
  a.fusedQkv = true;
  a.qkvBias = a.outBias = false;
  double maxPeriod = f.getDouble(keyFor(f, "max_period", depth), 10000.0);
  if (!(maxPeriod > 0))
    f.failValue(keyFor(f, "max_period", depth), "a positive number");
  if (depth)
    readPositional(f, "depformer_pos_emb", "sin", maxPeriod, a);
  else
    readPositional(f, "positional_embedding", "sin", maxPeriod, a);
  return a;
}

// make_gating / ActivationGating: linear_in [2h, dim] whose first half goes
// through the activation and multiplies the second, h = 21 dim / 8 when
// dim_feedforward is 4 dim, else 2 dim_feedforward / 3; gating "none" is
// linear1 -> gelu -> linear2 of dim_feedforward.
FfnSpec readGating(const Fields &f, const std::string &key, int64_t dim, int64_t ff) {
  std::string g = f.getString(key, "none");
  FfnSpec s;
  if (g == "none") {
    s.kind = FfnKind::Mlp;
    s.intermediate = ff;
    s.activation = Activation::Gelu;
    return s;
  }
  if (g == "silu")
    s.activation = Activation::Silu;
  else if (g == "gelu")
    s.activation = Activation::Gelu;
  else if (g == "relu")
    s.activation = Activation::Relu;
  else
    f.failValue(key, "one of none, silu, gelu, relu");
  s.kind = FfnKind::GatedMlp;
  s.fusedGateUp = true;
  s.gateFirst = true;
  s.intermediate = ff == 4 * dim ? (21 * dim) / 8 : (2 * ff) / 3;
  if (s.intermediate < 1)
    f.failValue(key, "a dim_feedforward of at least 2 (the gated hidden size is 2 ff / 3)");
  return s;
}

// int(hidden_scale * dim), as LMModel computes dim_feedforward.
int64_t scaledWidth(const Fields &f, double hiddenScale, int64_t dim) {
  double w = std::floor(hiddenScale * double(dim));
  if (!(w >= 1) || w > double(kMaxInt))
    f.failValue("hidden_scale", "int(hidden_scale * dim) in [1, " + std::to_string(kMaxInt) + "]");
  return int64_t(w);
}

// Settings both transformers read (with their depformer_ overrides) that
// must keep their defaults.
void rejectTransformerSettings(const Fields &f, bool depth) {
  requireNull(f, keyFor(f, "layer_scale", depth), "LayerScale");
  requireDefaultBool(f, keyFor(f, "skip_self_attn", depth), false, "a layer without attention");
  if (!depth)
    requireDefaultBool(f, "cross_attention", false, "cross-attention (conditioning)");
  std::string causal = depth && f.has("depformer_causal") ? "depformer_causal" : "causal";
  requireDefaultBool(f, causal, true, "non-causal attention");
}

// Which form the checkpoint next to the config stores the attention
// projections in: the stacked self_attn.in_proj_weight of Kyutai's
// published files (the default when there is no checkpoint to read) or
// the split self_attn.in_projs.{i}.weight of LMModel.state_dict().
bool checkpointIsStacked(const Fields &top, const std::string &file) {
  std::string dir = file.substr(0, file.find_last_of('/') + 1);
  std::string name = top.getString("moshi_name", "model.safetensors");
  std::ifstream in(dir + name, std::ios::binary);
  if (!in)
    return true;
  unsigned char len[8];
  if (!in.read(reinterpret_cast<char *>(len), 8))
    failAt(dir + name, "", "a safetensors file", "a file shorter than its header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | len[i];
  if (n > (uint64_t(100) << 20))
    failAt(dir + name, "", "a safetensors header under 100 MiB", std::to_string(n) + " bytes");
  std::string header(size_t(n), '\0');
  if (!in.read(header.data(), std::streamsize(n)))
    failAt(dir + name, "", "a safetensors file", "a truncated header");
  bool stacked = header.find(".self_attn.in_proj_weight\"") != std::string::npos;
  bool split = header.find(".self_attn.in_projs.") != std::string::npos;
  if (stacked && split)
    failAt(dir + name, "", "one form of attention projections",
           "both self_attn.in_proj_weight and self_attn.in_projs.{i}");
  return !split;
}

} // namespace

Expected<ModelSpec> parseMoshiConfig(const nlohmann::json &config, const std::string &file) {
  return runReader(config, file, [&](const Fields &f) -> ModelSpec {
    f.rejectUnknown(kMoshiKeys, "a moshi.models.lm.LMModel argument or a Moshi config.json key");
    std::string modelType = f.getString("model_type", "moshi");
    if (modelType != "moshi" && modelType != "hibiki")
      f.failValue("model_type", "\"moshi\" or \"hibiki\" (a Moshi LM)");
    // What the IR does not build, by field.
    requireDefaultBool(f, "demux_second_text_stream", false, "a demuxed second text stream");
    requireDefaultBool(f, "demux_second_stream", false, "a demuxed second text stream");
    requireDefaultBool(f, "norm_emb", false, "a norm after the embeddings");
    requireDefaultBool(f, "quantize", false, "a quantized LM");
    requireDefaultBool(f, "lora", false, "LoRA");
    requireNull(f, "depformer_low_rank_embeddings", "a low-rank depformer embedding");
    requireNull(f, "conditioners", "conditioning");
    requireNull(f, "fuser", "conditioning");
    // LMModel sets the depformer's cross_attention to False whatever this says.
    f.getBool("depformer_cross_attention", false);
    rejectTransformerSettings(f, false);
    rejectTransformerSettings(f, true);
    // Scales only the sinusoidal embedding, which is refused above.
    f.getDouble("positional_scale", 1.0);
    f.getDouble("depformer_positional_scale", 1.0);
    f.getOptInt("depformer_context"); // LMModel sets the depformer's context to None
    // Read for their types: generation defaults, codec and tokenizer file
    // names, init-time settings that change nothing the LM computes.
    for (const char *k : {"moshi_name", "mimi_name", "mimi_config_name", "tokenizer_name",
                          "lora_name"})
      f.getOptString(k);
    f.getInt("existing_text_padding_id", 3, 0);
    f.getInt("existing_text_end_padding_id", 0, 0);
    f.getInt("extra_heads_num_heads", 0, 0); // extra_heads feed only step_with_extra_heads
    f.getInt("extra_heads_dim", 6, 1);
    f.getBool("gradient_checkpointing", false);

    ModelSpec spec;
    spec.format = SourceFormat::Moshi;
    spec.modelType = "moshi";
    spec.name = "moshi";
    spec.naming = WeightNaming::Moshi;
    MoshiSpec m;
    spec.hidden = f.getInt("dim", 128);
    m.numAudio = f.getInt("n_q", 8);
    int64_t depQ = f.getInt("dep_q", 8, 0);
    if (depQ == 0)
      f.failValue("dep_q", "at least 1 (a model without a depth transformer is not supported)");
    if (depQ > m.numAudio)
      f.failValue("dep_q", "at most n_q (" + std::to_string(m.numAudio) + ")");
    m.card = f.getInt("card", 1024);
    m.textCard = f.getInt("text_card", 32000);
    m.textOut = f.getOptInt("text_card_out").value_or(m.textCard);
    m.headBias = f.getBool("bias_proj", false);

    // delays: one per stream (text, then the n_q audio streams).
    const nlohmann::json *delays = f.getArray("delays");
    if (!delays)
      m.delays = {0};
    else
      for (size_t i = 0; i < delays->size(); ++i)
        m.delays.push_back(Fields::intAt(f, "delays", (*delays)[i], i, 0, kMaxInt));
    if (int64_t(m.delays.size()) != 1 + m.numAudio)
      f.failValue("delays", std::to_string(1 + m.numAudio) + " delays (1 + n_q)");

    // The temporal transformer.
    NormSpec norm = readNorm(f, "norm", "layer_norm");
    AttentionSpec attn = readAttention(f, spec.hidden, false);
    if (auto ctx = f.getOptInt("context"))
      attn.slidingWindow = *ctx;
    double hiddenScale = f.getDouble("hidden_scale", 4.0);
    if (!(hiddenScale > 0))
      f.failValue("hidden_scale", "a positive number");
    FfnSpec ffn = readGating(f, "gating", spec.hidden, scaledWidth(f, hiddenScale, spec.hidden));
    spec.numLayers = f.requireInt("num_layers", 1, kMaxLayers);
    spec.layers = makeLayers(spec.numLayers);
    for (LayerSpec &l : spec.layers) {
      l.mixer = attn;
      l.mixerNorm = norm;
      l.ffnNorm = norm;
      l.ffn = ffn;
    }
    spec.finalNorm = norm; // out_norm

    // The depth transformer.
    DepthSpec &d = m.depth;
    d.steps = depQ;
    d.dim = f.getInt("depformer_dim", 256);
    d.numLayers = f.getInt(keyFor(f, "num_layers", true), spec.numLayers, 1, kMaxLayers);
    d.attention = readAttention(f, d.dim, true);
    d.norm = norm;
    d.perStep = f.getBool("depformer_weights_per_step", false);
    d.weightSet.assign(size_t(depQ), 0);
    d.numWeightSets = 1;
    if (const nlohmann::json *sched = f.getArray("depformer_weights_per_step_schedule")) {
      if (int64_t(sched->size()) != depQ)
        f.failValue("depformer_weights_per_step_schedule",
                    std::to_string(depQ) + " entries (one per depformer step, dep_q)");
      if (!d.perStep)
        f.failValue("depformer_weights_per_step",
                    "true when depformer_weights_per_step_schedule is given");
      int64_t most = 0;
      for (size_t i = 0; i < sched->size(); ++i) {
        d.weightSet[i] = Fields::intAt(f, "depformer_weights_per_step_schedule", (*sched)[i], i,
                                       0, depQ - 1);
        most = std::max(most, d.weightSet[i]);
      }
      d.numWeightSets = most + 1;
    } else if (d.perStep) {
      for (int64_t s = 0; s < depQ; ++s)
        d.weightSet[size_t(s)] = s;
      d.numWeightSets = depQ;
    }
    // depformer_in: one linear per weight set with multi_linear, else one.
    bool multi = f.getBool("depformer_multi_linear", false);
    d.numInputs = multi ? (f.hasValue("depformer_weights_per_step_schedule") ? d.numWeightSets
                                                                               : depQ)
                        : 1;
    d.inputOf.assign(size_t(depQ), 0);
    for (int64_t s = 0; s < depQ && multi; ++s)
      d.inputOf[size_t(s)] = f.hasValue("depformer_weights_per_step_schedule")
                                 ? d.weightSet[size_t(s)]
                                 : s;
    // depformer_dim_feedforward: null (hidden_scale * depformer_dim), an
    // int, or one per weight set.
    std::string gatingKey = keyFor(f, "gating", true);
    std::vector<int64_t> widths;
    const nlohmann::json *ff = f.find("depformer_dim_feedforward");
    bool ffList = ff && ff->is_array();
    if (!ff || ff->is_null()) {
      widths.assign(size_t(d.numWeightSets), scaledWidth(f, hiddenScale, d.dim));
    } else if (ffList) {
      if (int64_t(ff->size()) != d.numWeightSets)
        f.failValue("depformer_dim_feedforward",
                    "an int or " + std::to_string(d.numWeightSets) +
                        " widths (one per depformer weight set)");
      for (size_t i = 0; i < ff->size(); ++i)
        widths.push_back(Fields::intAt(f, "depformer_dim_feedforward", (*ff)[i], i, 1, kMaxInt));
    } else {
      widths.assign(size_t(d.numWeightSets), f.requireInt("depformer_dim_feedforward"));
    }
    for (int64_t w : widths)
      d.ffn.push_back(readGating(f, gatingKey, d.dim, w));
    if (d.ffn.front().kind != FfnKind::GatedMlp && (d.perStep || ffList))
      f.failValue(gatingKey, "a gating other than \"none\" with per-step weights (as "
                             "StreamingTransformerLayer asserts)");
    if (f.hasValue("depformer_norm"))
      d.outNorm = readNorm(f, "depformer_norm", "layer_norm");

    spec.numCodebooks = 1 + m.numAudio;
    // Token ids are checked against the larger vocabulary; the initial
    // tokens (text_card, card) are ids too.
    spec.vocabSize = std::max(m.textCard, m.card) + 1;
    spec.outputVocabSize = m.textOut;
    spec.frameRate = kMimiFrameRate;
    m.stackedProjections = checkpointIsStacked(f, file);
    spec.moshi = std::move(m);
    return spec;
  });
}

} // namespace hybrid::frontend
