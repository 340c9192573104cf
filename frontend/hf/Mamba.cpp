//===- Mamba.cpp - mamba and mamba2 ---------------------------------------===//
//
// MambaConfig / Mamba2Config and their modeling files: a pure stack of
// Mamba-1 or Mamba-2 mixers, no FFN.
//
//===----------------------------------------------------------------------===//

#include "frontend/hf/HFReaders.h"

#include <cmath>

namespace hybrid::frontend::detail {

namespace {

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

} // namespace

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
    l.mixerNorm = rmsNorm(eps);
    Mamba1Spec &m = l.mixer.emplace<Mamba1Spec>();
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
    l.mixer = m;
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

} // namespace hybrid::frontend::detail
