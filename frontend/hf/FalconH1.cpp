//===- FalconH1.cpp - falcon_h1 -------------------------------------------===//
//
// FalconH1Config / modeling_falcon_h1: every layer runs attention and
// Mamba-2 side by side on the same input (a parallel mixer), with muP
// multipliers throughout.
//
//===----------------------------------------------------------------------===//

#include "frontend/hf/HFReaders.h"

namespace hybrid::frontend::detail {

namespace {

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

} // namespace

ModelSpec readFalconH1(const Fields &f) {
  ModelSpec spec = baseSpec(f, "falcon_h1", WeightNaming::Jamba);
  Trunk t = readTrunk(f, {128000, 4096, 14336, 32, 32, 8}, spec);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
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
  AttentionSpec a = llamaAttention(t.heads, t.kvHeads, t.headDim, attnBias);
  a.ropeTheta = rope.theta;
  a.rotaryDim = t.headDim;
  a.keyMultiplier = f.getDouble("key_multiplier", 1.0);
  a.inputMultiplier = f.getDouble("attention_in_multiplier", 1.0);
  a.outputMultiplier = f.getDouble("attention_out_multiplier", 1.0);

  FfnSpec ffn = gatedMlp(t.intermediate, Activation::Silu, mlpBias);
  if (auto mm = f.getDoubleList("mlp_multipliers")) {
    if (mm->size() != 2)
      f.failValue("mlp_multipliers", "2 numbers (gate, down)");
    ffn.gateMultiplier = (*mm)[0];
    ffn.downMultiplier = (*mm)[1];
  }
  spec.embeddingMultiplier = f.getDouble("embedding_multiplier", 1.0);
  spec.logitsMultiplier = f.getDouble("lm_head_multiplier", 1.0);

  setLayers(spec, t.layers);
  for (LayerSpec &l : spec.layers) {
    l.mixerNorm = rmsNorm(eps);
    l.mixer = ParallelSpec{a, m};
    l.ffnNorm = rmsNorm(eps);
    l.ffn = ffn;
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

} // namespace hybrid::frontend::detail
