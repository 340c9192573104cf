//===- ZonosConfig.cpp - Zonos config.json (backbone) -> ModelSpec -------===//
//
// Zonos' BackboneConfig drives mamba_ssm's create_block: layer i is MHA(**
// attn_cfg) if i is in attn_layer_idx, else ssm_cfg["layer"] (Mamba1 or
// Mamba2) with ssm_cfg's overrides of the mamba_ssm defaults. Each block is
// norm -> mixer (-> norm2 -> GatedMLP when its d_intermediate is not 0).
// BackboneConfig(**backbone), MHA(**attn_cfg) and Mamba*(**ssm_cfg) raise on
// unknown keys; so does this reader. Sources: zonos/config.py,
// zonos/backbone/_mamba_ssm.py, zonos/model.py, mamba_ssm
// models/mixer_seq_simple.py, modules/{mha,mamba_simple,mamba2,mlp,block}.py.
//
//===----------------------------------------------------------------------===//

#include "frontend/Config.h"
#include "frontend/ReaderSupport.h"

#include <cmath>

namespace hybrid::frontend {

using namespace detail;

namespace {

// zonos/model.py: nn.Embedding(1026, d) and nn.Linear(d, 1025) per codebook,
// one per DAC codebook (9).
constexpr int64_t kZonosCodebooks = 9;
constexpr int64_t kZonosEmbedRows = 1026;
constexpr int64_t kZonosHeadRows = 1025;
// zonos/autoencoder.py: DAC 44.1 kHz, one frame per 512 samples.
constexpr double kDacFrameRate = 44100.0 / 512.0;

bool isAuto(const Fields &f, const std::string &key) {
  const nlohmann::json *v = f.find(key);
  return !v || (v->is_string() && v->get<std::string>() == "auto");
}

// Keys whose values only affect initialization or kernels; type-checked, not used.
void readIgnoredNumber(const Fields &f, const std::string &key) {
  if (f.hasValue(key))
    f.getDouble(key, 0);
}

// mamba_ssm MHA's keyword arguments, what attn_cfg may hold.
const std::vector<std::string> kMhaKeys = {
    "num_heads",     "num_heads_kv",  "head_dim", "mlp_dim",        "qkv_proj_bias",
    "out_proj_bias", "softmax_scale", "causal",   "d_conv",         "rotary_emb_dim",
    "rotary_emb_base", "rotary_emb_interleaved"};

AttentionSpec readAttnCfg(const Fields &a, int64_t dModel) {
  a.rejectUnknown(kMhaKeys, "a parameter of mamba_ssm MHA");
  AttentionSpec s;
  s.numHeads = a.requireInt("num_heads");
  s.numKvHeads = a.getOptInt("num_heads_kv").value_or(s.numHeads);
  if (s.numHeads % s.numKvHeads != 0)
    a.failValue("num_heads_kv", "a divisor of num_heads (" + std::to_string(s.numHeads) + ")");
  if (auto hd = a.getOptInt("head_dim")) {
    s.headDim = *hd;
  } else {
    if (dModel % s.numHeads != 0)
      a.failValue("num_heads", "a divisor of d_model (" + std::to_string(dModel) + ")");
    s.headDim = dModel / s.numHeads;
  }
  if (a.getInt("mlp_dim", 0, 0) != 0)
    a.failValue("mlp_dim", "0 (MHA's fused MLP branch is not supported)");
  if (a.getInt("d_conv", 0, 0) != 0)
    a.failValue("d_conv", "0 (MHA's qkv convolution is not supported)");
  if (!a.getBool("causal", false))
    a.failValue("causal", "true (a language model's attention is causal)");
  s.qkvBias = a.getBool("qkv_proj_bias", true);
  s.outBias = a.getBool("out_proj_bias", true);
  s.fusedQkv = true;
  if (auto sc = a.getOptDouble("softmax_scale")) {
    if (!(*sc > 0))
      a.failValue("softmax_scale", "a positive number or null");
    s.softmaxScale = *sc;
  }
  s.rotaryDim = a.getInt("rotary_emb_dim", 0, 0);
  if (s.rotaryDim > s.headDim || s.rotaryDim % 2 != 0)
    a.failValue("rotary_emb_dim",
                "an even number in [0, head_dim = " + std::to_string(s.headDim) + "]");
  s.ropeTheta = a.getDouble("rotary_emb_base", 10000.0);
  if (!(s.ropeTheta > 0))
    a.failValue("rotary_emb_base", "a positive number");
  s.ropeInterleaved = a.getBool("rotary_emb_interleaved", false);
  return s;
}

Mamba1Spec readMamba1Cfg(const Fields &c, int64_t dModel) {
  c.rejectUnknown({"layer", "d_state", "d_conv", "expand", "dt_rank", "dt_min", "dt_max",
                   "dt_init", "dt_scale", "dt_init_floor", "conv_bias", "bias",
                   "use_fast_path"},
                  "a parameter of mamba_ssm Mamba (Mamba1)");
  Mamba1Spec m;
  m.dState = c.getInt("d_state", 16);
  m.dConv = c.getInt("d_conv", 4);
  double expand = c.getDouble("expand", 2);
  if (!(expand > 0) || expand > 1024)
    c.failValue("expand", "a positive number");
  double inner = std::floor(expand * double(dModel));
  if (inner < 1 || inner > double(kMaxInt))
    c.failValue("expand", "int(expand * d_model) in [1, " + std::to_string(kMaxInt) + "]");
  m.dInner = int64_t(inner);
  m.dtRank = isAuto(c, "dt_rank") ? (dModel + 15) / 16 : c.getInt("dt_rank", 1);
  for (const char *k : {"dt_min", "dt_max", "dt_scale", "dt_init_floor"})
    readIgnoredNumber(c, k);
  std::string init = c.getString("dt_init", "random");
  if (init != "random" && init != "constant")
    c.failValue("dt_init", "\"random\" or \"constant\"");
  c.getBool("use_fast_path", true);
  m.convBias = c.getBool("conv_bias", true);
  m.inProjBias = m.outProjBias = c.getBool("bias", false);
  return m;
}

Mamba2Spec readMamba2Cfg(const Fields &c, int64_t dModel) {
  c.rejectUnknown({"layer", "d_state", "d_conv", "conv_init", "expand", "headdim", "d_ssm",
                   "ngroups", "A_init_range", "D_has_hdim", "rmsnorm", "norm_before_gate",
                   "dt_min", "dt_max", "dt_init_floor", "dt_limit", "bias", "conv_bias",
                   "chunk_size", "use_mem_eff_path", "process_group", "sequence_parallel"},
                  "a parameter of mamba_ssm Mamba2");
  Mamba2Spec m;
  m.dState = c.getInt("d_state", 128);
  m.dConv = c.getInt("d_conv", 4);
  int64_t expand = c.getInt("expand", 2);
  int64_t dInner = expand * dModel;
  m.headDim = c.getInt("headdim", 64);
  if (auto dSsm = c.getOptInt("d_ssm"); dSsm && *dSsm != dInner)
    c.failValue("d_ssm", "null or expand * d_model (" + std::to_string(dInner) +
                             "); a gated MLP beside the SSM is not supported");
  if (dInner % m.headDim != 0)
    c.failValue("headdim", "a divisor of expand * d_model (" + std::to_string(dInner) + ")");
  m.nHeads = dInner / m.headDim;
  m.nGroups = c.getInt("ngroups", 1);
  if (m.nHeads % m.nGroups != 0)
    c.failValue("ngroups", "a divisor of the head count (" + std::to_string(m.nHeads) + ")");
  if (c.getBool("D_has_hdim", false))
    c.failValue("D_has_hdim", "false (a per-channel D is not supported)");
  if (c.hasValue("process_group"))
    c.failValue("process_group", "null (tensor parallelism is not supported)");
  for (const char *k : {"conv_init", "dt_min", "dt_max", "dt_init_floor"})
    readIgnoredNumber(c, k);
  c.getDoubleList("A_init_range");
  c.getBool("use_mem_eff_path", true);
  c.getBool("sequence_parallel", true);
  if (auto lim = c.getDoubleList("dt_limit", /*allowInf=*/true)) {
    if (lim->size() != 2 || !((*lim)[0] >= 0) || std::isinf((*lim)[0]) ||
        !((*lim)[1] > (*lim)[0]))
      c.failValue("dt_limit", "[min, max] with 0 <= min < max");
    m.dtMin = (*lim)[0];
    m.dtMax = (*lim)[1];
  }
  m.gatedNorm = c.getBool("rmsnorm", true);
  m.normEps = 1e-5; // RMSNormGated(eps=1e-5) in Mamba2.__init__
  m.normBeforeGate = c.getBool("norm_before_gate", false);
  m.normGroups = m.nGroups; // group_size = d_ssm // ngroups
  m.inProjBias = m.outProjBias = c.getBool("bias", false);
  m.convBias = c.getBool("conv_bias", true);
  m.chunkSize = c.getInt("chunk_size", 256);
  return m;
}

// mamba_ssm GatedMLP(hidden_features=d, multiple_of=128): fc1 [2I, D] split
// into (y, gate), y * silu(gate), fc2 [D, I]; I rounded up to 128. The torch
// backbone's FeedForward is the same with I exactly d (roundTo 1).
FfnSpec zonosMlp(int64_t d, int64_t roundTo) {
  FfnSpec f;
  f.kind = FfnKind::GatedMlp;
  f.intermediate = (d + roundTo - 1) / roundTo * roundTo;
  f.activation = Activation::Silu;
  f.fusedGateUp = true;
  f.gateFirst = false;
  return f;
}

// zonos/backbone/_torch.py: every layer is a TransformerBlock (attn_layer_idx
// is not read): nn.LayerNorm (rms_norm is not read), attention with head_dim
// d_model / num_heads, in_proj [q; k; v] and out_proj without biases,
// interleaved rotary over the whole head at base 10000 (precompute_freqs_cis;
// attn_cfg's rotary keys are not read), then norm2 and FeedForward.
AttentionSpec readTorchAttnCfg(const Fields &a, int64_t dModel) {
  // The rest of attn_cfg is MHA's keywords, which this backbone never reads.
  a.rejectUnknown(kMhaKeys, "a parameter of mamba_ssm MHA");
  AttentionSpec s;
  s.numHeads = a.requireInt("num_heads");
  s.numKvHeads = a.requireInt("num_heads_kv");
  if (dModel % s.numHeads != 0)
    a.failValue("num_heads", "a divisor of d_model (" + std::to_string(dModel) + ")");
  if (s.numHeads % s.numKvHeads != 0)
    a.failValue("num_heads_kv", "a divisor of num_heads (" + std::to_string(s.numHeads) + ")");
  s.headDim = dModel / s.numHeads;
  if (s.headDim % 2 != 0)
    a.failValue("num_heads", "d_model / num_heads even (the rotary rotates pairs)");
  s.qkvBias = s.outBias = false;
  s.fusedQkv = true;
  s.rotaryDim = s.headDim;
  s.ropeTheta = 10000.0;
  s.ropeInterleaved = true;
  return s;
}

// The top level of ZonosConfig.from_dict: BackboneConfig(**backbone),
// PrefixConditionerConfig(**prefix_conditioner), then ZonosConfig's own
// fields. The prefix conditioner runs outside the compiled model: its output
// is the prompt's given hidden vectors (prefill_embeds).
void readZonosTop(const Fields &top) {
  top.rejectUnknown({"backbone", "prefix_conditioner", "eos_token_id", "masked_token_id",
                     "pad_vocab_to_multiple_of"},
                    "a ZonosConfig field");
  if (!top.isObject("prefix_conditioner"))
    top.failValue("prefix_conditioner", "an object (Zonos PrefixConditionerConfig)");
  Fields pc = top.getObject("prefix_conditioner");
  pc.rejectUnknown({"conditioners", "projection"}, "a PrefixConditionerConfig field");
  if (!pc.getArray("conditioners"))
    pc.failValue("conditioners", "a list of conditioner configs");
  std::string projection = pc.requireString("projection");
  if (projection != "none" && projection != "linear" && projection != "mlp")
    pc.failValue("projection", "\"none\", \"linear\" or \"mlp\"");
  // Token ids the generation loop uses (EOS stops codebook 0; the masked
  // id fills the delay pattern); both are rows of the embeddings.
  top.getInt("eos_token_id", 1024, 0, kZonosHeadRows - 1);
  top.getInt("masked_token_id", 1025, 0, kZonosEmbedRows - 1);
  // Padding rows added to each head at load and masked to -inf by
  // _compute_logits: the logits are the 1025 real rows whatever it is.
  top.getInt("pad_vocab_to_multiple_of", 8, 0);
}

} // namespace

Expected<ModelSpec> parseZonosConfig(const nlohmann::json &config, const std::string &file) {
  return runReader(config, file, [](const Fields &top) -> ModelSpec {
    if (!top.isObject("backbone"))
      top.failValue("backbone", "an object (Zonos BackboneConfig)");
    Fields b = top.getObject("backbone");
    b.rejectUnknown({"d_model", "d_intermediate", "attn_mlp_d_intermediate", "n_layer",
                     "ssm_cfg", "attn_layer_idx", "attn_cfg", "rms_norm",
                     "residual_in_fp32", "norm_epsilon"},
                    "a BackboneConfig field");
    ModelSpec spec;
    spec.format = SourceFormat::Zonos;
    spec.modelType = "zonos";
    spec.name = "zonos";
    spec.naming = WeightNaming::Zonos;
    spec.hidden = b.getInt("d_model", 1024);
    int64_t dInter = b.getInt("d_intermediate", 0, 0);
    int64_t attnInter = b.getInt("attn_mlp_d_intermediate", 0, 0);
    int64_t layers = b.getInt("n_layer", 16, 1, kMaxLayers);
    bool rms = b.getBool("rms_norm", false);
    spec.residualInFp32 = b.getBool("residual_in_fp32", false);
    double eps = b.getDouble("norm_epsilon", 1e-5);
    if (!(eps > 0))
      b.failValue("norm_epsilon", "a positive number");
    std::vector<bool> isAttn = readLayerIndexSet(b, "attn_layer_idx", layers);
    // Zonos.from_local routes a config without ssm_cfg (the transformer) to
    // the pure-torch backbone, every other one to mamba_ssm's.
    const nlohmann::json *ssmJson = b.find("ssm_cfg");
    bool torchBackbone = !ssmJson || ssmJson->is_null() || ssmJson->empty();
    if (torchBackbone)
      isAttn.assign(isAttn.size(), true);
    bool anyAttn = false, hasSsm = false;
    for (bool a : isAttn) {
      anyAttn |= a;
      hasSsm |= !a;
    }

    NormSpec norm{rms ? NormKind::RMS : NormKind::Layer, eps, /*bias=*/!rms};
    AttentionSpec attn;
    if (torchBackbone) {
      norm = NormSpec{NormKind::Layer, eps, true};
      attn = readTorchAttnCfg(b.getObject("attn_cfg"), spec.hidden);
      if (attnInter == 0)
        b.failValue("attn_mlp_d_intermediate",
                    "a positive number (the torch backbone's FeedForward has no other size)");
    } else if (anyAttn) {
      attn = readAttnCfg(b.getObject("attn_cfg"), spec.hidden);
    }
    Fields ssm = b.getObject("ssm_cfg");
    std::string ssmLayer = ssm.getString("layer", "Mamba1");
    if (ssmLayer != "Mamba1" && ssmLayer != "Mamba2")
      ssm.failValue("layer", "\"Mamba1\" or \"Mamba2\"");
    Mamba1Spec m1;
    Mamba2Spec m2;
    if (hasSsm) {
      if (ssmLayer == "Mamba1")
        m1 = readMamba1Cfg(ssm, spec.hidden);
      else
        m2 = readMamba2Cfg(ssm, spec.hidden);
    }

    spec.numLayers = layers;
    spec.layers = makeLayers(layers);
    for (LayerSpec &l : spec.layers) {
      bool a = isAttn[size_t(l.index)];
      l.mixerNorm = norm;
      if (a) {
        l.mixer = attn;
      } else if (ssmLayer == "Mamba1") {
        l.mixer = m1;
      } else {
        l.mixer = m2;
      }
      int64_t d = a ? attnInter : dInter;
      if (d > 0) {
        l.ffnNorm = norm;
        l.ffn = zonosMlp(d, torchBackbone ? 1 : 128);
      }
    }
    // Zonos' norm_f is always an nn.LayerNorm (weight and bias); with
    // rms_norm the mamba_ssm backbone applies it as an RMS norm that still
    // adds the bias (layer_norm_fn(is_rms_norm=True)).
    spec.finalNorm = NormSpec{rms && !torchBackbone ? NormKind::RMS : NormKind::Layer, eps, true};
    readZonosTop(top);
    spec.numCodebooks = kZonosCodebooks;
    spec.vocabSize = kZonosEmbedRows;
    spec.outputVocabSize = kZonosHeadRows;
    spec.tiedEmbeddings = false;
    spec.prefixEmbeddings = true;
    spec.frameRate = kDacFrameRate;
    return spec;
  });
}

} // namespace hybrid::frontend
