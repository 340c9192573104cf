//===- Weights.cpp - The tensors and state buffers a spec implies ---------===//
//
// The single place that says which tensors exist, with which shapes, in which
// order (weights()), and which per-sequence state the runtime allocates
// (stateBuffers()). Names come from ModelSpec::weightName (WeightNames.cpp).
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelSpec.h"

namespace hybrid::frontend {

//===----------------------------------------------------------------------===//
// Weights
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

} // namespace hybrid::frontend
