//===- Weights.cpp - The tensors and state buffers a spec implies ---------===//
//
// The single place that says which tensors exist, with which shapes, in which
// order (weights()), and which per-sequence state the runtime allocates
// (stateBuffers()). A layer's mixer lists its own (mixers/*.cpp, through the
// registry); the FFN, MoE and global tensors are listed here. Names come from
// ModelSpec::weightName (WeightNames.cpp).
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelSpec.h"

namespace hybrid::frontend {

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

namespace {
using Shape = std::vector<int64_t>;

void listFfn(WeightList &w, const std::string &prefix, const FfnSpec &f) {
  int64_t h = w.hidden(), i = f.intermediate;
  switch (f.kind) {
  case FfnKind::None:
  case FfnKind::Moe:
    return;
  case FfnKind::Mlp:
    w.linear(prefix + "up_proj.", h, i, f.bias);
    break;
  case FfnKind::GatedMlp:
    if (f.fusedGateUp) {
      w.linear(prefix + "gate_up_proj.", h, 2 * i, f.bias);
    } else {
      w.linear(prefix + "gate_proj.", h, i, f.bias);
      w.linear(prefix + "up_proj.", h, i, f.bias);
    }
    break;
  }
  w.linear(prefix + "down_proj.", i, h, f.bias);
}

void listMoe(WeightList &w, const MoeSpec &m) {
  int64_t h = w.hidden(), i = m.expert.intermediate, e = m.numExperts;
  bool gated = m.expert.kind == FfnKind::GatedMlp;
  w.add("moe.router.weight", {e, h});
  if (m.correctionBias)
    w.add("moe.router.correction_bias", {e});
  if (m.layout == ExpertLayout::Stacked) {
    if (gated)
      w.add("moe.experts.gate_up_proj", {e, 2 * i, h});
    else
      w.add("moe.experts.up_proj", {e, i, h});
    w.add("moe.experts.down_proj", {e, h, i});
  } else {
    for (int64_t x = 0; x < e; ++x) {
      std::string p = "moe.experts." + std::to_string(x) + ".";
      if (gated)
        w.add(p + "gate_proj.weight", {i, h});
      w.add(p + "up_proj.weight", {i, h});
      w.add(p + "down_proj.weight", {h, i});
    }
  }
  listFfn(w, "moe.shared.", m.shared);
}

void listLayer(WeightList &w, const LayerSpec &l) {
  w.setLayer(l.index);
  w.norm("mixer_norm.", l.mixerNorm, w.hidden());
  listMixerWeights(l.mixer, w);
  w.norm("ffn_norm.", l.ffnNorm, w.hidden());
  if (l.ffn.kind == FfnKind::Moe)
    listMoe(w, l.moe);
  else
    listFfn(w, "ffn.", l.ffn);
  w.setLayer(-1);
}

void listEmbeddings(WeightList &w, const ModelSpec &spec) {
  if (spec.numCodebooks == 1) {
    w.add("embed.weight", {spec.vocabSize, spec.hidden});
  } else {
    for (int64_t c = 0; c < spec.numCodebooks; ++c)
      w.add("embed." + std::to_string(c) + ".weight", {spec.vocabSize, spec.hidden});
  }
}

void listHead(WeightList &w, const ModelSpec &spec) {
  w.norm("final_norm.", spec.finalNorm, spec.hidden);
  if (spec.tiedEmbeddings)
    return;
  if (spec.numCodebooks == 1) {
    w.add("lm_head.weight", {spec.outputVocabSize, spec.hidden});
  } else {
    for (int64_t c = 0; c < spec.numCodebooks; ++c)
      w.add("lm_head." + std::to_string(c) + ".weight", {spec.outputVocabSize, spec.hidden});
  }
}
// Moshi: roles are the checkpoint names (LMModel's state_dict) for the
// tensors outside the layers; inside, the usual roles, which
// ModelSpec::weightName spells per Moshi (WeightNames.cpp). An RMSNorm's
// parameter is `alpha` [1, 1, dim]: role `<norm>.weight` with that shape.
void moshiNorm(WeightList &w, const std::string &prefix, const NormSpec &n, int64_t width) {
  if (n.kind == NormKind::RMS)
    w.add(prefix + "weight", {1, 1, width});
  else
    w.norm(prefix, n, width);
}

void listMoshiAttention(WeightList &w, const AttentionSpec &a, int64_t dim, int64_t sets,
                        bool perStep, bool stacked) {
  int64_t qkv = a.width() + 2 * a.numKvHeads * a.headDim;
  if (stacked) {
    w.add("attn.qkv_proj.weight", {sets * qkv, dim});
    w.add("attn.o_proj.weight", {sets * dim, a.width()});
    return;
  }
  for (int64_t i = 0; i < sets; ++i) {
    std::string s = perStep ? std::to_string(i) + "." : "";
    w.add("attn.qkv_proj." + s + "weight", {qkv, dim});
  }
  for (int64_t i = 0; i < sets; ++i) {
    std::string s = perStep ? std::to_string(i) + "." : "";
    w.add("attn.o_proj." + s + "weight", {dim, a.width()});
  }
}

void listMoshi(WeightList &w, const ModelSpec &spec) {
  const MoshiSpec &m = *spec.moshi;
  const DepthSpec &d = m.depth;
  int64_t dim = spec.hidden;
  for (int64_t c = 0; c < m.numAudio; ++c)
    w.add("emb." + std::to_string(c) + ".weight", {m.card + 1, dim});
  w.add("text_emb.weight", {m.textCard + 1, dim});
  w.add("text_linear.weight", {m.textOut, dim});
  if (m.headBias)
    w.add("text_linear.bias", {m.textOut});
  for (const LayerSpec &l : spec.layers) {
    w.setLayer(l.index);
    moshiNorm(w, "mixer_norm.", l.mixerNorm, dim);
    listMoshiAttention(w, *l.attention(), dim, 1, false, m.stackedProjections);
    moshiNorm(w, "ffn_norm.", l.ffnNorm, dim);
    listFfn(w, "ffn.", l.ffn);
    w.setLayer(-1);
  }
  moshiNorm(w, "out_norm.", spec.finalNorm, dim);
  for (int64_t i = 0; i < d.numInputs; ++i)
    w.add("depformer_in." + std::to_string(i) + ".weight", {d.dim, dim});
  for (int64_t s = 0; s + 1 < d.steps; ++s)
    w.add("depformer_emb." + std::to_string(s) + ".weight", {m.card + 1, d.dim});
  w.add("depformer_text_emb.weight", {m.textCard + 1, d.dim});
  // The depth layers' widths are depformer_dim (WeightList keeps a
  // reference to its Emit: a named one).
  WeightList::Emit toOuter = [&](const std::string &role, int64_t layer, const Shape &shape) {
    w.setLayer(layer);
    w.add(role, shape);
    w.setLayer(-1);
  };
  WeightList dw(toOuter, d.dim);
  for (int64_t j = 0; j < d.numLayers; ++j) {
    dw.setLayer(spec.numLayers + j);
    moshiNorm(dw, "mixer_norm.", d.norm, d.dim);
    listMoshiAttention(dw, d.attention, d.dim, d.numWeightSets, d.perStep,
                       m.stackedProjections);
    moshiNorm(dw, "ffn_norm.", d.norm, d.dim);
    for (int64_t i = 0; i < d.numWeightSets; ++i)
      listFfn(dw, d.perStep ? "ffn." + std::to_string(i) + "." : "ffn.", d.ffn[size_t(i)]);
  }
  for (int64_t s = 0; s < d.steps; ++s) {
    moshiNorm(w, "depformer_norms." + std::to_string(s) + ".", d.outNorm, d.dim);
    w.add("linears." + std::to_string(s) + ".weight", {m.card, d.dim});
    if (m.headBias)
      w.add("linears." + std::to_string(s) + ".bias", {m.card});
  }
}
} // namespace

void forEachWeight(const ModelSpec &spec, const WeightList::Emit &fn) {
  WeightList w(fn, spec.hidden);
  if (spec.moshi) {
    listMoshi(w, spec);
    return;
  }
  listEmbeddings(w, spec);
  for (const LayerSpec &l : spec.layers)
    listLayer(w, l);
  listHead(w, spec);
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
  StateList s(out, spec.stateDtype, maxSeq);
  for (const LayerSpec &l : spec.layers) {
    s.setLayer(l.index);
    listMixerState(l.mixer, s);
  }
  // Moshi's depth transformer: a cache of one row per step, reset every
  // frame (the published DepFormer opens a new streaming state per frame).
  if (spec.moshi) {
    const DepthSpec &d = spec.moshi->depth;
    StateList ds(out, spec.stateDtype, d.steps);
    for (int64_t j = 0; j < d.numLayers; ++j) {
      ds.setLayer(spec.numLayers + j);
      listState(d.attention, ds);
    }
    for (size_t i = out.size() - size_t(2 * d.numLayers); i < out.size(); ++i) {
      out[i].perFrame = true;
      out[i].name = "depformer.layers." + std::to_string(out[i].layer - spec.numLayers) + "." +
                    out[i].kind;
    }
  }
  return out;
}

} // namespace hybrid::frontend
