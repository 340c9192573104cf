//===- ModelSpec.h - The one validated description of a model ---*- C++ -*-===//
//
// A ModelSpec is what every reader (native JSON, HuggingFace config.json, Zonos
// backbone) produces and what everything downstream consumes: the IR builder,
// the runtime manifest and `hybridc --report`. It is plain data: structs and
// enums, no MLIR.
//
// Weights are not stored; they are derived from the structure. weights() lists
// every tensor the model has with its exact checkpoint name, its role (a
// family-independent name such as `attn.q_proj.weight`), its layer, shape and
// dtype. stateBuffers() lists the per-sequence state the runtime allocates.
// docs/Frontend.md documents the roles, the names per family and the shapes.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_MODELSPEC_H
#define HYBRIDC_FRONTEND_MODELSPEC_H

#include "frontend/ConfigError.h"
#include "frontend/SpecTypes.h"
#include "frontend/mixers/MixerRegistry.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hybrid::frontend {

// Sizes validate() refuses beyond (the readers check them first).
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxExperts = 4096;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

enum class SourceFormat { Native, HF, Zonos, Moshi };
const char *toString(SourceFormat f);     // "native", "hf", "zonos", "moshi"

// How checkpoint tensor names are spelled (see docs/Frontend.md).
enum class WeightNaming {
  Native,           // layers.3.attn.q_proj.weight
  Llama,            // llama, mistral: model.layers.3.self_attn.q_proj.weight
  Mamba,            // mamba, mamba2: backbone.layers.3.mixer.in_proj.weight
  Jamba,            // jamba, bamba, falcon_h1: model.layers.3.mamba.in_proj...
  NemotronH,        // backbone.layers.3.mixer.*
  GraniteMoeHybrid, // model.layers.3.{mamba,self_attn,shared_mlp,...}
  Zonos,            // backbone.layers.3.mixer.*, embeddings.0, heads.0
  Moshi,            // transformer.layers.3.self_attn.*, depformer.layers.0.*, emb.0
};

enum class FfnKind { None, Mlp, GatedMlp, Moe };
const char *toString(FfnKind k); // "none", "mlp", "gated", "moe"

enum class RouterScoring { Softmax, Sigmoid };
const char *toString(RouterScoring s); // "softmax", "sigmoid"

enum class ExpertLayout {
  PerExpert, // experts.{e}.gate_proj.weight [I, H], ... one 2-D tensor each
  Stacked,   // experts.gate_up_proj [E, 2I, H] (or up_proj [E, I, H]),
             // experts.down_proj [E, H, I]
};

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

struct FfnSpec {
  FfnKind kind = FfnKind::None;
  int64_t intermediate = 0;
  Activation activation = Activation::Silu;
  bool bias = false;
  bool fusedGateUp = false; // GatedMlp: one gate_up_proj [2I, H]
  bool gateFirst = true;    // fused: rows [gate; up] (true) or [up; gate]
  double gateMultiplier = 1.0; // act(gate(x) * this)   (Falcon-H1 muP)
  double downMultiplier = 1.0; // down(...) * this
};

struct MoeSpec {
  int64_t numExperts = 0;
  int64_t topK = 0;
  RouterScoring scoring = RouterScoring::Softmax;
  bool normTopK = false;       // renormalize the selected weights to sum to 1
  double routedScaling = 1.0;  // selected weights * this
  bool correctionBias = false; // sigmoid routers: bias added for selection only
  int64_t nGroup = 1;          // group-limited routing (DeepSeek-V3 style)
  int64_t topkGroup = 1;
  ExpertLayout layout = ExpertLayout::PerExpert;
  FfnSpec expert;              // Mlp or GatedMlp, per expert
  FfnSpec shared;              // kind None, or a shared expert added to the output
};

struct LayerSpec {
  int64_t index = 0;
  MixerSpec mixer;             // one kind (mixers/MixerRegistry.h); NoMixer: the
                               // layer is only its FFN
  NormSpec mixerNorm;          // kind None iff there is no mixer
  NormSpec ffnNorm;            // kind None iff ffn.kind is None
  FfnSpec ffn;                 // ffn.kind == Moe: the block is `moe`
  MoeSpec moe;

  MixerKind mixerKind() const { return kindOf(mixer); }
  bool hasMixer() const { return mixerKind() != MixerKind::None; }
  // The mixer's attention (Attention, or the branch of Parallel and
  // IntraHybrid) and Mamba-2 (Mamba2, Parallel, IntraHybrid); nullptr if it
  // has none.
  const AttentionSpec *attention() const { return attentionOf(mixer); }
  AttentionSpec *attention() { return attentionOf(mixer); }
  const Mamba2Spec *mamba2() const { return mamba2Of(mixer); }
  Mamba2Spec *mamba2() { return mamba2Of(mixer); }
  bool hasAttention() const { return attention() != nullptr; }
  bool hasMamba2() const { return mamba2() != nullptr; }
};

//===----------------------------------------------------------------------===//
// Moshi: a temporal transformer and a depth transformer
//===----------------------------------------------------------------------===//

// Moshi's depth transformer (LMModel.depformer): once per frame, after the
// temporal step, it runs `steps` times, one step per audio codebook the
// model produces. Step s reads depformer_in[inputOf[s]](temporal output) plus
// the embedding of the token sampled at step s - 1 (the text token at step
// 0), attends over this frame's earlier steps (a cache of `steps` rows,
// reset every frame) and its layers use weight set weightSet[s].
struct DepthSpec {
  int64_t steps = 0;              // dep_q
  int64_t dim = 0;                // depformer_dim
  int64_t numLayers = 0;
  bool perStep = false;           // weights_per_step: indexed in_projs/gating
  int64_t numWeightSets = 1;      // distinct per-step weight sets
  std::vector<int64_t> weightSet; // [steps]: the weight set of each step
  int64_t numInputs = 1;          // depformer_in linears
  std::vector<int64_t> inputOf;   // [steps]: the depformer_in of each step
  AttentionSpec attention;        // every layer's (no window)
  NormSpec norm;                  // every layer's norm1 and norm2
  std::vector<FfnSpec> ffn;       // [numWeightSets]: the gating of each set
  NormSpec outNorm;               // depformer_norms.{s} (None: nn.Identity)
};

struct MoshiSpec {
  int64_t textCard = 0;   // text ids < textCard; textCard is the initial token
  int64_t textOut = 0;    // rows of text_linear (text_card_out)
  int64_t card = 0;       // audio ids < card; card is the initial token
  int64_t numAudio = 0;   // n_q: the model's dep_q streams, then the user's
  std::vector<int64_t> delays; // [1 + n_q]: text, then the audio streams
  bool headBias = false;  // bias_proj: text_linear and linears have biases
  // Checkpoints published by Kyutai store each attention's projections
  // stacked (self_attn.in_proj_weight, out_proj.weight; LMModel's load hook
  // splits them), the module's own state_dict splits them
  // (self_attn.in_projs.{i}.weight): the reader looks at the checkpoint.
  bool stackedProjections = true;
  DepthSpec depth;
};

//===----------------------------------------------------------------------===//
// ModelSpec
//===----------------------------------------------------------------------===//

struct ModelSpec {
  std::string name;
  std::string sourceFile;      // used in validate() errors
  SourceFormat format = SourceFormat::Native;
  std::string modelType;       // HF model_type, "zonos" or "hybridc"
  WeightNaming naming = WeightNaming::Native;

  int64_t vocabSize = 0;       // rows of each embedding table
  int64_t outputVocabSize = 0; // rows of each lm head (Zonos: 1025 vs 1026)
  int64_t hidden = 0;
  int64_t numLayers = 0;
  int64_t numCodebooks = 1;    // >1: per-codebook embeddings summed, stacked heads
  bool prefixEmbeddings = false; // prompts may begin with given hidden vectors
                                 // (Zonos' conditioning): a prefill_embeds entry
  double frameRate = 0;        // audio frames per second of the codec (0: text)

  NormSpec finalNorm;
  bool tiedEmbeddings = false; // lm_head is embed (not listed by weights())
  double embeddingMultiplier = 1.0;
  double logitsMultiplier = 1.0;   // logits = lm_head(h) * this (granite: 1/logits_scaling)
  double residualMultiplier = 1.0; // h = h + block(h) * this (granite)
  bool residualInFp32 = false;     // informational: the reference keeps the
                                   // residual stream in f32
  DType weightDtype = DType::F32;  // dtype of every checkpoint tensor
  DType stateDtype = DType::F32;   // dtype of the state buffers

  std::vector<LayerSpec> layers;
  // Moshi: `layers` is the temporal transformer, numCodebooks is 1 + n_q
  // (text first), and the depth transformer's layers are numbered after
  // the temporal ones (layer numLayers + j is depformer.layers.j).
  std::optional<MoshiSpec> moshi;

  // Every tensor, in a stable order: embeddings, then layer by layer, then the
  // final norm and lm head. The tied lm head is omitted, as HF saves it.
  std::vector<WeightSpec> weights() const;
  // Tensors of one layer (layer >= 0) or the global ones (layer == -1).
  std::vector<WeightSpec> layerWeights(int64_t layer) const;
  // The sum of weights()' element counts (saturating).
  int64_t numParams() const;
  // The checkpoint name of a role, e.g. ("attn.q_proj.weight", 3).
  std::string weightName(const std::string &role, int64_t layer) const;

  // Every contradiction or impossible size is an error naming the field by
  // its path in the native schema (`layers[3].attention.num_kv_heads`).
  std::optional<ConfigError> validate() const;
};

// Calls fn(role, layer, shape) for every tensor in weights() order, without
// building names (cheap: used to bound the tensor count before naming).
void forEachWeight(const ModelSpec &spec, const WeightList::Emit &fn);

// Per-sequence state at maximum length maxSeq, exactly as the runtime
// allocates it, layer by layer as each mixer lists it (mixers/*.h):
// attention k_cache/v_cache [maxSeq, nkv, hd] (full length also for
// sliding-window layers), Mamba-1 conv_state [dInner, dConv-1] and ssm_state
// [dInner, dState], Mamba-2 conv_state [dInner + 2 G N, dConv-1] and
// ssm_state [nHeads, headDim, dState]; parallel and intra layers have both.
std::vector<StateSpec> stateBuffers(const ModelSpec &spec, int64_t maxSeq);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MODELSPEC_H
