//===- ModelSpec.cpp - Weights, state buffers and validation -------------===//

#include "frontend/ModelSpec.h"

#include <cmath>
#include <sstream>

namespace hybrid::frontend {

//===----------------------------------------------------------------------===//
// Enum spellings
//===----------------------------------------------------------------------===//

const char *toString(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::BF16: return "bf16";
  case DType::F16: return "f16";
  case DType::F64: return "f64";
  }
  return "?";
}

int64_t byteSize(DType t) {
  switch (t) {
  case DType::F32: return 4;
  case DType::BF16: return 2;
  case DType::F16: return 2;
  case DType::F64: return 8;
  }
  return 4;
}

std::optional<DType> parseDType(const std::string &s) {
  if (s == "f32" || s == "float32") return DType::F32;
  if (s == "bf16" || s == "bfloat16") return DType::BF16;
  if (s == "f16" || s == "float16") return DType::F16;
  if (s == "f64" || s == "float64") return DType::F64;
  return std::nullopt;
}

const char *toString(SourceFormat f) {
  switch (f) {
  case SourceFormat::Native: return "native";
  case SourceFormat::HF: return "hf";
  case SourceFormat::Zonos: return "zonos";
  }
  return "?";
}

const char *toString(NormKind k) {
  switch (k) {
  case NormKind::None: return "none";
  case NormKind::RMS: return "rms";
  case NormKind::Layer: return "layer";
  }
  return "?";
}

const char *toString(Activation a) {
  switch (a) {
  case Activation::Silu: return "silu";
  case Activation::Gelu: return "gelu";
  case Activation::GeluTanh: return "gelu_tanh";
  case Activation::Relu: return "relu";
  case Activation::Relu2: return "relu2";
  }
  return "?";
}

const char *toString(MixerKind k) {
  switch (k) {
  case MixerKind::None: return "none";
  case MixerKind::Attention: return "attention";
  case MixerKind::Mamba1: return "mamba1";
  case MixerKind::Mamba2: return "mamba2";
  case MixerKind::Parallel: return "parallel";
  case MixerKind::IntraHybrid: return "intra";
  }
  return "?";
}

const char *toString(FfnKind k) {
  switch (k) {
  case FfnKind::None: return "none";
  case FfnKind::Mlp: return "mlp";
  case FfnKind::GatedMlp: return "gated";
  case FfnKind::Moe: return "moe";
  }
  return "?";
}

const char *toString(Fusion f) {
  switch (f) {
  case Fusion::Add: return "add";
  case Fusion::Diff: return "diff";
  case Fusion::Concat: return "concat";
  }
  return "?";
}

const char *toString(RouterScoring s) {
  switch (s) {
  case RouterScoring::Softmax: return "softmax";
  case RouterScoring::Sigmoid: return "sigmoid";
  }
  return "?";
}

bool LayerSpec::hasAttention() const {
  return mixer == MixerKind::Attention || mixer == MixerKind::Parallel ||
         mixer == MixerKind::IntraHybrid;
}

bool LayerSpec::hasMamba2() const {
  return mixer == MixerKind::Mamba2 || mixer == MixerKind::Parallel ||
         mixer == MixerKind::IntraHybrid;
}

//===----------------------------------------------------------------------===//
// Element counts
//===----------------------------------------------------------------------===//

static int64_t satMul(int64_t a, int64_t b) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r))
    return INT64_MAX;
  return r;
}

int64_t numelOf(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n = satMul(n, d);
  return n;
}

int64_t WeightSpec::numel() const { return numelOf(shape); }
int64_t StateSpec::numel() const { return numelOf(shape); }
int64_t StateSpec::bytes() const { return satMul(numel(), byteSize(dtype)); }

//===----------------------------------------------------------------------===//
// Weight enumeration: the single place that says which tensors exist and
// which shapes they have. Names come from ModelSpec::weightName.
//===----------------------------------------------------------------------===//

namespace {
using Shape = std::vector<int64_t>;
using Emit = std::function<void(const std::string &, int64_t, const Shape &)>;

struct Enumerator {
  const ModelSpec &spec;
  const Emit &emit;
  int64_t layer = -1;

  void add(const std::string &role, Shape shape) { emit(role, layer, shape); }

  void norm(const std::string &prefix, const NormSpec &n, int64_t width) {
    if (n.kind == NormKind::None)
      return;
    add(prefix + "weight", {width});
    if (n.bias)
      add(prefix + "bias", {width});
  }

  void linear(const std::string &prefix, int64_t in, int64_t out, bool bias) {
    add(prefix + "weight", {out, in});
    if (bias)
      add(prefix + "bias", {out});
  }

  void attention(const AttentionSpec &a, int64_t in, bool outProj) {
    int64_t q = a.numHeads * a.headDim, kv = a.numKvHeads * a.headDim;
    if (a.fusedQkv) {
      linear("attn.qkv_proj.", in, q + 2 * kv, a.qkvBias);
    } else {
      linear("attn.q_proj.", in, q, a.qkvBias);
      linear("attn.k_proj.", in, kv, a.qkvBias);
      linear("attn.v_proj.", in, kv, a.qkvBias);
    }
    if (outProj)
      linear("attn.o_proj.", q, spec.hidden, a.outBias);
  }

  void mamba1(const Mamba1Spec &m) {
    int64_t e = m.dInner;
    linear("mamba.in_proj.", spec.hidden, 2 * e, m.inProjBias);
    add("mamba.conv1d.weight", {e, 1, m.dConv});
    if (m.convBias)
      add("mamba.conv1d.bias", {e});
    add("mamba.x_proj.weight", {m.dtRank + 2 * m.dState, e});
    linear("mamba.dt_proj.", m.dtRank, e, /*bias=*/true);
    add("mamba.A_log", {e, m.dState});
    add("mamba.D", {e});
    if (m.bcdtNorms) {
      add("mamba.dt_norm.weight", {m.dtRank});
      add("mamba.b_norm.weight", {m.dState});
      add("mamba.c_norm.weight", {m.dState});
    }
    linear("mamba.out_proj.", e, spec.hidden, m.outProjBias);
  }

  void mamba2(const Mamba2Spec &m, bool outProj) {
    linear("mamba.in_proj.", spec.hidden, m.inProjDim(), m.inProjBias);
    add("mamba.conv1d.weight", {m.convDim(), 1, m.dConv});
    if (m.convBias)
      add("mamba.conv1d.bias", {m.convDim()});
    add("mamba.dt_bias", {m.nHeads});
    add("mamba.A_log", {m.nHeads});
    add("mamba.D", {m.nHeads});
    if (m.gatedNorm)
      add("mamba.norm.weight", {m.dInner()});
    if (outProj)
      linear("mamba.out_proj.", m.dInner(), spec.hidden, m.outProjBias);
  }

  void intra(const LayerSpec &l) {
    const IntraHybridSpec &h = l.intra;
    int64_t attnW = l.attention.numHeads * l.attention.headDim;
    int64_t ssmW = l.mamba2.dInner();
    attention(l.attention, spec.hidden, !h.sharedOutProj);
    mamba2(l.mamba2, !h.sharedOutProj);
    NormSpec bn{h.branchNorm, h.normEps, h.branchNorm == NormKind::Layer};
    norm("intra.attn_norm.", bn, attnW);
    norm("intra.ssm_norm.", bn, ssmW);
    if (h.sharedOutProj)
      add("intra.out_proj.weight",
          {spec.hidden, h.fusion == Fusion::Concat ? attnW + ssmW : attnW});
  }

  void ffn(const std::string &prefix, const FfnSpec &f) {
    int64_t h = spec.hidden, i = f.intermediate;
    switch (f.kind) {
    case FfnKind::None:
    case FfnKind::Moe:
      return;
    case FfnKind::Mlp:
      linear(prefix + "up_proj.", h, i, f.bias);
      break;
    case FfnKind::GatedMlp:
      if (f.fusedGateUp) {
        linear(prefix + "gate_up_proj.", h, 2 * i, f.bias);
      } else {
        linear(prefix + "gate_proj.", h, i, f.bias);
        linear(prefix + "up_proj.", h, i, f.bias);
      }
      break;
    }
    linear(prefix + "down_proj.", i, h, f.bias);
  }

  void moe(const MoeSpec &m) {
    int64_t h = spec.hidden, i = m.expert.intermediate, e = m.numExperts;
    bool gated = m.expert.kind == FfnKind::GatedMlp;
    add("moe.router.weight", {e, h});
    if (m.correctionBias)
      add("moe.router.correction_bias", {e});
    if (m.layout == ExpertLayout::Stacked) {
      if (gated)
        add("moe.experts.gate_up_proj", {e, 2 * i, h});
      else
        add("moe.experts.up_proj", {e, i, h});
      add("moe.experts.down_proj", {e, h, i});
    } else {
      for (int64_t x = 0; x < e; ++x) {
        std::string p = "moe.experts." + std::to_string(x) + ".";
        if (gated)
          add(p + "gate_proj.weight", {i, h});
        add(p + "up_proj.weight", {i, h});
        add(p + "down_proj.weight", {h, i});
      }
    }
    ffn("moe.shared.", m.shared);
  }

  void layerWeights(const LayerSpec &l) {
    layer = l.index;
    norm("mixer_norm.", l.mixerNorm, spec.hidden);
    switch (l.mixer) {
    case MixerKind::None:
      break;
    case MixerKind::Attention:
      attention(l.attention, spec.hidden, true);
      break;
    case MixerKind::Mamba1:
      mamba1(l.mamba1);
      break;
    case MixerKind::Mamba2:
      mamba2(l.mamba2, true);
      break;
    case MixerKind::Parallel:
      attention(l.attention, spec.hidden, true);
      mamba2(l.mamba2, true);
      break;
    case MixerKind::IntraHybrid:
      intra(l);
      break;
    }
    norm("ffn_norm.", l.ffnNorm, spec.hidden);
    if (l.ffn.kind == FfnKind::Moe)
      moe(l.moe);
    else
      ffn("ffn.", l.ffn);
    layer = -1;
  }

  void globalsBefore() {
    layer = -1;
    if (spec.numCodebooks == 1) {
      add("embed.weight", {spec.vocabSize, spec.hidden});
    } else {
      for (int64_t c = 0; c < spec.numCodebooks; ++c)
        add("embed." + std::to_string(c) + ".weight", {spec.vocabSize, spec.hidden});
    }
  }

  void globalsAfter() {
    layer = -1;
    norm("final_norm.", spec.finalNorm, spec.hidden);
    if (spec.tiedEmbeddings)
      return;
    if (spec.numCodebooks == 1) {
      add("lm_head.weight", {spec.outputVocabSize, spec.hidden});
    } else {
      for (int64_t c = 0; c < spec.numCodebooks; ++c)
        add("lm_head." + std::to_string(c) + ".weight",
            {spec.outputVocabSize, spec.hidden});
    }
  }
};
} // namespace

void forEachWeight(const ModelSpec &spec, const Emit &fn) {
  Enumerator en{spec, fn};
  en.globalsBefore();
  for (const LayerSpec &l : spec.layers)
    en.layerWeights(l);
  en.globalsAfter();
}

static DType weightDType(const ModelSpec &spec, const std::string &role) {
  // transformers keeps DeepSeek-V3-style routing biases in f32
  // (_keep_in_fp32_modules_strict = ["e_score_correction_bias"]).
  if (role == "moe.router.correction_bias")
    return DType::F32;
  return spec.weightDtype;
}

std::vector<WeightSpec> ModelSpec::weights() const {
  std::vector<WeightSpec> out;
  forEachWeight(*this, [&](const std::string &role, int64_t layer, const Shape &shape) {
    out.push_back({weightName(role, layer), role, layer, shape, weightDType(*this, role)});
  });
  return out;
}

std::vector<WeightSpec> ModelSpec::layerWeights(int64_t layerIndex) const {
  std::vector<WeightSpec> out;
  forEachWeight(*this, [&](const std::string &role, int64_t layer, const Shape &shape) {
    if (layer == layerIndex)
      out.push_back({weightName(role, layer), role, layer, shape, weightDType(*this, role)});
  });
  return out;
}

int64_t ModelSpec::numParams() const {
  int64_t total = 0;
  forEachWeight(*this, [&](const std::string &, int64_t, const Shape &shape) {
    int64_t n = numelOf(shape);
    if (__builtin_add_overflow(total, n, &total))
      total = INT64_MAX;
  });
  return total;
}

//===----------------------------------------------------------------------===//
// State buffers
//===----------------------------------------------------------------------===//

std::vector<StateSpec> stateBuffers(const ModelSpec &spec, int64_t maxSeq) {
  std::vector<StateSpec> out;
  auto add = [&](const LayerSpec &l, const char *kind, Shape shape) {
    out.push_back({"layers." + std::to_string(l.index) + "." + kind, kind, l.index,
                   spec.stateDtype, std::move(shape)});
  };
  for (const LayerSpec &l : spec.layers) {
    if (l.hasAttention()) {
      const AttentionSpec &a = l.attention;
      add(l, "k_cache", {maxSeq, a.numKvHeads, a.headDim});
      add(l, "v_cache", {maxSeq, a.numKvHeads, a.headDim});
    }
    if (l.mixer == MixerKind::Mamba1) {
      const Mamba1Spec &m = l.mamba1;
      add(l, "conv_state", {m.dInner, m.dConv - 1});
      add(l, "ssm_state", {m.dInner, m.dState});
    }
    if (l.hasMamba2()) {
      const Mamba2Spec &m = l.mamba2;
      add(l, "conv_state", {m.convDim(), m.dConv - 1});
      add(l, "ssm_state", {m.nHeads, m.headDim, m.dState});
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

namespace {
// Dimensions beyond this are refused: no real model comes close, and it keeps
// every element count and FLOP estimate far from overflow.
constexpr int64_t kMaxDim = int64_t(1) << 26;
constexpr int64_t kMaxCodebooks = 64;
constexpr int64_t kMaxTensors = 1 << 17;
constexpr int64_t kMaxTensorNumel = int64_t(1) << 48;

struct Invalid {
  ConfigError error;
};

class Validator {
public:
  explicit Validator(const ModelSpec &s) : spec(s) {}

  [[noreturn]] void fail(const std::string &field, const std::string &expected,
                         const std::string &got) {
    throw Invalid{{spec.sourceFile, field, expected, got}};
  }

  static std::string str(int64_t v) { return std::to_string(v); }
  static std::string str(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  }

  void dim(const std::string &field, int64_t v, int64_t min = 1, int64_t max = kMaxDim) {
    if (v < min || v > max)
      fail(field, "an integer in [" + str(min) + ", " + str(max) + "]", str(v));
  }
  void finite(const std::string &field, double v) {
    if (!std::isfinite(v))
      fail(field, "a finite number", str(v));
  }
  void positive(const std::string &field, double v) {
    if (!std::isfinite(v) || v <= 0)
      fail(field, "a positive number", str(v));
  }
  void divides(const std::string &field, int64_t d, const std::string &what, int64_t n) {
    if (d <= 0 || n % d != 0)
      fail(field, "a divisor of " + what + " (" + str(n) + ")", str(d));
  }

  void norm(const std::string &p, const NormSpec &n, bool present) {
    if (!present && n.kind != NormKind::None)
      fail(p + ".kind", "none (nothing to normalize)", toString(n.kind));
    if (present && n.kind == NormKind::None)
      fail(p + ".kind", "rms or layer", "none");
    if (present)
      positive(p + ".eps", n.eps);
  }

  void attention(const std::string &p, const AttentionSpec &a) {
    dim(p + ".num_heads", a.numHeads);
    dim(p + ".num_kv_heads", a.numKvHeads);
    divides(p + ".num_kv_heads", a.numKvHeads, "num_heads", a.numHeads);
    dim(p + ".head_dim", a.headDim);
    dim(p + ".num_heads * head_dim", a.numHeads * a.headDim);
    if (a.rotaryDim < 0 || a.rotaryDim > a.headDim || a.rotaryDim % 2 != 0)
      fail(p + ".rotary_dim", "an even number in [0, head_dim = " + str(a.headDim) + "]",
           str(a.rotaryDim));
    if (a.rotaryDim > 0)
      positive(p + ".rope_theta", a.ropeTheta);
    dim(p + ".sliding_window", a.slidingWindow, 0, INT64_MAX);
    if (!std::isfinite(a.softmaxScale) || a.softmaxScale < 0)
      fail(p + ".softmax_scale", "a non-negative number (0 = 1/sqrt(head_dim))",
           str(a.softmaxScale));
    finite(p + ".input_multiplier", a.inputMultiplier);
    finite(p + ".key_multiplier", a.keyMultiplier);
    finite(p + ".output_multiplier", a.outputMultiplier);
  }

  void mamba1(const std::string &p, const Mamba1Spec &m) {
    dim(p + ".d_inner", m.dInner);
    dim(p + ".d_state", m.dState);
    dim(p + ".d_conv", m.dConv);
    dim(p + ".dt_rank", m.dtRank);
    if (m.bcdtNorms)
      positive(p + ".norm_eps", m.bcdtNormEps);
  }

  void mamba2(const std::string &p, const Mamba2Spec &m) {
    dim(p + ".num_heads", m.nHeads);
    dim(p + ".head_dim", m.headDim);
    dim(p + ".num_heads * head_dim", m.nHeads * m.headDim);
    dim(p + ".n_groups", m.nGroups);
    divides(p + ".n_groups", m.nGroups, "num_heads", m.nHeads);
    dim(p + ".d_state", m.dState);
    dim(p + ".d_conv", m.dConv);
    dim(p + ".chunk_size", m.chunkSize);
    dim(p + ".in_proj rows", m.inProjDim());
    if (std::isnan(m.dtMin) || m.dtMin < 0 || std::isinf(m.dtMin))
      fail(p + ".dt_min", "a finite number >= 0", str(m.dtMin));
    if (std::isnan(m.dtMax) || m.dtMax <= m.dtMin)
      fail(p + ".dt_max", "a number > dt_min (" + str(m.dtMin) + "), or inf", str(m.dtMax));
    if (m.gatedNorm) {
      positive(p + ".norm_eps", m.normEps);
      dim(p + ".norm_groups", m.normGroups);
      divides(p + ".norm_groups", m.normGroups, "num_heads * head_dim", m.dInner());
    }
    finite(p + ".input_multiplier", m.inputMultiplier);
    for (size_t i = 0; i < m.projMultipliers.size(); ++i)
      finite(p + ".proj_multipliers[" + std::to_string(i) + "]", m.projMultipliers[i]);
    finite(p + ".output_multiplier", m.outputMultiplier);
  }

  void ffn(const std::string &p, const FfnSpec &f, bool allowMoe) {
    if (f.kind == FfnKind::None)
      return;
    if (f.kind == FfnKind::Moe && !allowMoe)
      fail(p + ".kind", "mlp or gated", "moe");
    if (f.kind == FfnKind::Moe)
      return;
    dim(p + ".intermediate_size", f.intermediate);
    finite(p + ".gate_multiplier", f.gateMultiplier);
    finite(p + ".down_multiplier", f.downMultiplier);
    if (f.fusedGateUp && f.kind != FfnKind::GatedMlp)
      fail(p + ".fused_gate_up", "false for a non-gated MLP", "true");
  }

  void moe(const std::string &p, const MoeSpec &m) {
    dim(p + ".num_experts", m.numExperts, 1, kMaxExperts);
    dim(p + ".top_k", m.topK, 1, m.numExperts);
    dim(p + ".n_group", m.nGroup);
    divides(p + ".n_group", m.nGroup, "num_experts", m.numExperts);
    dim(p + ".topk_group", m.topkGroup, 1, m.nGroup);
    int64_t reachable = m.topkGroup * (m.numExperts / m.nGroup);
    if (m.topK > reachable)
      fail(p + ".top_k", "at most topk_group * num_experts / n_group (" + str(reachable) + ")",
           str(m.topK));
    finite(p + ".routed_scaling", m.routedScaling);
    if (m.correctionBias && m.scoring != RouterScoring::Sigmoid)
      fail(p + ".correction_bias", "false for a softmax router", "true");
    if (m.expert.kind != FfnKind::Mlp && m.expert.kind != FfnKind::GatedMlp)
      fail(p + ".gated", "an expert MLP, gated or not", toString(m.expert.kind));
    ffn(p, m.expert, false);
    if (m.expert.bias)
      fail(p + ".bias", "false (experts have no biases)", "true");
    if (m.expert.fusedGateUp)
      fail(p + ".fused_gate_up", "false for experts (set layout instead)", "true");
    ffn(p + ".shared", m.shared, false);
  }

  void layer(const LayerSpec &l, size_t i) {
    std::string p = "layers[" + std::to_string(i) + "]";
    if (l.index != int64_t(i))
      fail(p + ".index", str(int64_t(i)), str(l.index));
    norm(p + ".mixer_norm", l.mixerNorm, l.mixer != MixerKind::None);
    norm(p + ".ffn_norm", l.ffnNorm, l.ffn.kind != FfnKind::None);
    if (l.mixer == MixerKind::None && l.ffn.kind == FfnKind::None)
      fail(p + ".kind", "a mixer, an FFN or both", "neither");
    if (l.hasAttention())
      attention(p + ".attention", l.attention);
    if (l.mixer == MixerKind::Mamba1)
      mamba1(p + ".mamba1", l.mamba1);
    if (l.hasMamba2())
      mamba2(p + ".mamba2", l.mamba2);
    if (l.mixer == MixerKind::IntraHybrid) {
      const IntraHybridSpec &h = l.intra;
      int64_t attnW = l.attention.numHeads * l.attention.headDim;
      int64_t ssmW = l.mamba2.dInner();
      if (h.fusion == Fusion::Concat && !h.sharedOutProj)
        fail(p + ".intra.out_proj", "shared (concat fuses before one projection)", "separate");
      if (h.fusion != Fusion::Concat && h.sharedOutProj && attnW != ssmW)
        fail(p + ".intra.fusion",
             "concat, or branches of equal width (attention " + str(attnW) + ", ssm " +
                 str(ssmW) + ")",
             toString(h.fusion));
      if (h.branchNorm != NormKind::None)
        positive(p + ".intra.norm_eps", h.normEps);
      finite(p + ".intra.attn_multiplier", h.attnMultiplier);
      finite(p + ".intra.ssm_multiplier", h.ssmMultiplier);
    }
    ffn(p + ".ffn", l.ffn, true);
    if (l.ffn.kind == FfnKind::Moe)
      moe(p + ".ffn", l.moe);
  }

  void run() {
    dim("vocab_size", spec.vocabSize);
    dim("output_vocab_size", spec.outputVocabSize);
    dim("hidden_size", spec.hidden);
    dim("num_layers", spec.numLayers, 1, kMaxLayers);
    if (int64_t(spec.layers.size()) != spec.numLayers)
      fail("layers", "num_layers (" + str(spec.numLayers) + ") entries",
           str(int64_t(spec.layers.size())));
    dim("num_codebooks", spec.numCodebooks, 1, kMaxCodebooks);
    norm("final_norm", spec.finalNorm, true);
    finite("embedding_multiplier", spec.embeddingMultiplier);
    finite("logits_multiplier", spec.logitsMultiplier);
    finite("residual_multiplier", spec.residualMultiplier);
    if (spec.tiedEmbeddings && spec.outputVocabSize != spec.vocabSize)
      fail("tie_embeddings", "false when output_vocab_size != vocab_size", "true");
    if (spec.stateDtype == DType::F64)
      fail("state_dtype", "f32, bf16 or f16", "f64");
    for (size_t i = 0; i < spec.layers.size(); ++i)
      layer(spec.layers[i], i);

    // Bound the tensor count and sizes before anyone names or sums them.
    int64_t count = 0;
    forEachWeight(spec, [&](const std::string &role, int64_t layer, const Shape &shape) {
      if (++count > kMaxTensors)
        fail("layers", "at most " + str(kMaxTensors) + " tensors", "more");
      int64_t n = numelOf(shape);
      if (n > kMaxTensorNumel)
        fail(layer >= 0 ? "layers[" + str(layer) + "]." + role : role,
             "a tensor of at most 2^48 elements", str(n));
    });
  }

private:
  const ModelSpec &spec;
};
} // namespace

std::optional<ConfigError> ModelSpec::validate() const {
  try {
    Validator(*this).run();
  } catch (const Invalid &e) {
    return e.error;
  }
  return std::nullopt;
}

} // namespace hybrid::frontend
