//===- Bamba.cpp - bamba --------------------------------------------------===//
//
// BambaConfig / modeling_bamba: attention at attn_layer_indices, the
// BambaMixer (Mamba-2) elsewhere, a gated MLP in every layer.
//
//===----------------------------------------------------------------------===//

#include "frontend/hf/HFReaders.h"

namespace hybrid::frontend::detail {

ModelSpec readBamba(const Fields &f) {
  ModelSpec spec = baseSpec(f, "bamba", WeightNaming::Jamba);
  Trunk t = readTrunk(f, {128000, 4096, 14336, 32, 32, 8}, spec);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  requireSiluFor(f, "hidden_act", "silu");
  double eps = positiveDouble(f, "rms_norm_eps", 1e-5);
  std::vector<bool> isAttn = readLayerIndexSet(f, "attn_layer_indices", t.layers);
  Mamba2Spec m = readBambaMixer(f, spec.hidden, eps);
  // BambaConfig hardcodes partial_rotary_factor = 0.5, and attention_bias /
  // mlp_bias = False, whatever config.json says.
  Rope rope = readRope(f, 10000.0);
  rope.partial = 0.5;

  setLayers(spec, t.layers);
  for (LayerSpec &l : spec.layers) {
    l.mixerNorm = rmsNorm(eps);
    if (isAttn[size_t(l.index)]) {
      AttentionSpec &a =
          l.mixer.emplace<AttentionSpec>(llamaAttention(t.heads, t.kvHeads, t.headDim, false));
      setRope(a, rope);
    } else {
      l.mixer = m;
    }
    l.ffnNorm = rmsNorm(eps);
    l.ffn = gatedMlp(t.intermediate, Activation::Silu, false);
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

} // namespace hybrid::frontend::detail
