//===- Llama.cpp - llama and mistral --------------------------------------===//
//
// LlamaConfig / MistralConfig and their modeling files: attention with RoPE
// and a gated MLP in every layer; mistral adds a sliding window.
//
//===----------------------------------------------------------------------===//

#include "frontend/hf/HFReaders.h"

namespace hybrid::frontend::detail {

ModelSpec readLlama(const Fields &f, bool mistral) {
  ModelSpec spec = baseSpec(f, mistral ? "mistral" : "llama", WeightNaming::Llama);
  // LlamaConfig.validate_architecture refuses hidden_size % heads != 0.
  Trunk t = readTrunk(f,
                      {32000, 4096, mistral ? 14336 : 11008, 32, 32,
                       mistral ? std::optional<int64_t>(8) : std::nullopt,
                       /*requireDivisibleHeads=*/!mistral},
                      spec);
  Activation act = readActivation(f, "hidden_act", "silu");
  double eps = positiveDouble(f, "rms_norm_eps", 1e-6);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  // MistralAttention / MistralMLP have no biases.
  bool attnBias = mistral ? false : f.getBool("attention_bias", false);
  bool mlpBias = mistral ? false : f.getBool("mlp_bias", false);
  Rope rope = readRope(f, 10000.0);
  requireFullRotary(f, rope, "apply_rotary_pos_emb rotates whole heads");
  int64_t window = 0;
  if (mistral) // absent: 4096; null: no window
    window = f.has("sliding_window") ? f.getOptInt("sliding_window").value_or(0) : 4096;

  setLayers(spec, t.layers);
  for (LayerSpec &l : spec.layers) {
    l.mixerNorm = rmsNorm(eps);
    AttentionSpec &a = l.mixer.emplace<AttentionSpec>(
        llamaAttention(t.heads, t.kvHeads, t.headDim, attnBias));
    setRope(a, rope);
    a.slidingWindow = window;
    l.ffnNorm = rmsNorm(eps);
    l.ffn = gatedMlp(t.intermediate, act, mlpBias);
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

} // namespace hybrid::frontend::detail
