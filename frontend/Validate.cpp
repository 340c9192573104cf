//===- Validate.cpp - ModelSpec::validate() -------------------------------===//
//
// Every contradiction or impossible size in a spec, whichever reader built
// it, is an error naming the field by its path in the native schema. The
// checks run in a fixed order (globals, then layer by layer, then the tensor
// count and sizes) and the first failure is the message.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelSpec.h"
#include "frontend/SpecCheck.h"

namespace hybrid::frontend {

using namespace detail;

namespace {
constexpr int64_t kMaxCodebooks = 64;
constexpr int64_t kMaxTensors = 1 << 17;
constexpr int64_t kMaxTensorNumel = int64_t(1) << 48;

class Validator : SpecChecker {
public:
  explicit Validator(const ModelSpec &s) : SpecChecker(s.sourceFile), spec(s) {}

  void norm(const std::string &p, const NormSpec &n, bool present) {
    if (!present && n.kind != NormKind::None)
      fail(p + ".kind", "none (nothing to normalize)", toString(n.kind));
    if (present && n.kind == NormKind::None)
      fail(p + ".kind", "rms or layer", "none");
    if (present)
      positive(p + ".eps", n.eps);
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
    norm(p + ".mixer_norm", l.mixerNorm, l.hasMixer());
    norm(p + ".ffn_norm", l.ffnNorm, l.ffn.kind != FfnKind::None);
    if (!l.hasMixer() && l.ffn.kind == FfnKind::None)
      fail(p + ".kind", "a mixer, an FFN or both", "neither");
    validateMixer(l.mixer, *this, p);
    ffn(p + ".ffn", l.ffn, true);
    if (l.ffn.kind == FfnKind::Moe)
      moe(p + ".ffn", l.moe);
  }

  // Moshi's parts, under the LMModel argument names.
  void moshi(const MoshiSpec &m) {
    const DepthSpec &d = m.depth;
    dim("text_card", m.textCard);
    dim("text_card_out", m.textOut);
    dim("card", m.card);
    dim("n_q", m.numAudio);
    dim("dep_q", d.steps, 1, m.numAudio);
    if (int64_t(m.delays.size()) != 1 + m.numAudio)
      fail("delays", str(1 + m.numAudio) + " entries", str(int64_t(m.delays.size())));
    dim("depformer_dim", d.dim);
    dim("depformer_num_layers", d.numLayers, 1, kMaxLayers);
    dim("depformer_weights_per_step_schedule", d.numWeightSets, 1, d.steps);
    dim("depformer_in", d.numInputs, 1, d.steps);
    if (int64_t(d.weightSet.size()) != d.steps || int64_t(d.inputOf.size()) != d.steps ||
        int64_t(d.ffn.size()) != d.numWeightSets)
      fail("depformer_weights_per_step_schedule", "one entry per step", "another count");
    for (int64_t s = 0; s < d.steps; ++s) {
      dim("depformer_weights_per_step_schedule[" + str(s) + "]", d.weightSet[size_t(s)], 0,
          d.numWeightSets - 1);
      dim("depformer_in[" + str(s) + "]", d.inputOf[size_t(s)], 0, d.numInputs - 1);
    }
    validate(d.attention, *this, "depformer");
    for (size_t i = 0; i < d.ffn.size(); ++i)
      ffn("depformer.ffn[" + str(int64_t(i)) + "]", d.ffn[i], true);
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
    if (spec.moshi)
      moshi(*spec.moshi);

    // Bound the tensor count and sizes before anyone names or sums them.
    int64_t count = 0;
    forEachWeight(spec, [&](const std::string &role, int64_t layer,
                            const std::vector<int64_t> &shape) {
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
  } catch (const SpecInvalid &e) {
    return e.error;
  }
  return std::nullopt;
}

} // namespace hybrid::frontend