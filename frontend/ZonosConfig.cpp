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

bool isAuto(const Fields &f, const std::string &key) {
  const nlohmann::json *v = f.find(key);
  return !v || (v->is_string() && v->get<std::string>() == "auto");
}

// Keys whose values only affect initialization or kernels; type-checked, not used.
void readIgnoredNumber(const Fields &f, const std::string &key) {
  if (f.hasValue(key))
    f.getDouble(key, 0);
}

AttentionSpec readAttnCfg(const Fields &a, int64_t dModel) {
  a.rejectUnknown({"num_heads", "num_heads_kv", "head_dim", "mlp_dim", "qkv_proj_bias",
                   "out_proj_bias", "softmax_scale", "causal", "d_conv", "rotary_emb_dim",
                   "rotary_emb_base", "rotary_emb_interleaved"},
                  "a parameter of mamba_ssm MHA");
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
// into (y, gate), y * silu(gate), fc2 [D, I]; I rounded up to 128.
FfnSpec zonosMlp(int64_t d) {
  FfnSpec f;
  f.kind = FfnKind::GatedMlp;
  f.intermediate = (d + 127) / 128 * 128;
  f.activation = Activation::Silu;
  f.fusedGateUp = true;
  f.gateFirst = false;
  return f;
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
    bool anyAttn = false, hasSsm = false;
    for (bool a : isAttn) {
      anyAttn |= a;
      hasSsm |= !a;
    }

    NormSpec norm{rms ? NormKind::RMS : NormKind::Layer, eps, /*bias=*/!rms};
    AttentionSpec attn;
    if (anyAttn)
      attn = readAttnCfg(b.getObject("attn_cfg"), spec.hidden);
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
        l.ffn = zonosMlp(d);
      }
    }
    // Zonos' norm_f is always an nn.LayerNorm (weight and bias); with
    // rms_norm it is applied as an RMS norm that still adds the bias.
    spec.finalNorm = NormSpec{rms ? NormKind::RMS : NormKind::Layer, eps, true};
    spec.numCodebooks = kZonosCodebooks;
    spec.vocabSize = kZonosEmbedRows;
    spec.outputVocabSize = kZonosHeadRows;
    spec.tiedEmbeddings = false;
    return spec;
  });
}

} // namespace hybrid::frontend
