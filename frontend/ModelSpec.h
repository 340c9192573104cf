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

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
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

enum class DType { F32, BF16, F16, F64 };
const char *toString(DType t);            // "f32", "bf16", "f16", "f64"
int64_t byteSize(DType t);                // 4, 2, 2, 8
std::optional<DType> parseDType(const std::string &s); // f32|bf16|f16|f64 and
                                          // float32|bfloat16|float16|float64

enum class SourceFormat { Native, HF, Zonos };
const char *toString(SourceFormat f);     // "native", "hf", "zonos"

// How checkpoint tensor names are spelled (see docs/Frontend.md).
enum class WeightNaming {
  Native,           // layers.3.attn.q_proj.weight
  Llama,            // llama, mistral: model.layers.3.self_attn.q_proj.weight
  Mamba,            // mamba, mamba2: backbone.layers.3.mixer.in_proj.weight
  Jamba,            // jamba, bamba, falcon_h1: model.layers.3.mamba.in_proj...
  NemotronH,        // backbone.layers.3.mixer.*
  GraniteMoeHybrid, // model.layers.3.{mamba,self_attn,shared_mlp,...}
  Zonos,            // backbone.layers.3.mixer.*, embeddings.0, heads.0
};

enum class NormKind { None, RMS, Layer };
const char *toString(NormKind k); // "none", "rms", "layer"

enum class Activation { Silu, Gelu, GeluTanh, Relu, Relu2 };
const char *toString(Activation a); // "silu", "gelu", "gelu_tanh", "relu", "relu2"

enum class MixerKind { None, Attention, Mamba1, Mamba2, Parallel, IntraHybrid };
const char *toString(MixerKind k); // "none", "attention", "mamba1", "mamba2",
                                   // "parallel", "intra"

enum class FfnKind { None, Mlp, GatedMlp, Moe };
const char *toString(FfnKind k); // "none", "mlp", "gated", "moe"

enum class Fusion { Add, Diff, Concat };
const char *toString(Fusion f); // "add", "diff", "concat"

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

struct NormSpec {
  NormKind kind = NormKind::None;
  double eps = 1e-5;
  bool bias = false; // LayerNorm bias, or the bias Zonos' final RMS norm adds
};

struct AttentionSpec {
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  bool qkvBias = false;
  bool outBias = false;
  bool fusedQkv = false;       // one qkv_proj [(nh + 2 nkv) hd, H], q|k|v rows
  double ropeTheta = 10000.0;
  int64_t rotaryDim = 0;       // leading dims of each head rotated; 0 = no RoPE
  bool ropeInterleaved = false; // pairs (2i, 2i+1) instead of (i, i + d/2)
  int64_t slidingWindow = 0;   // keys in (q - W, q]; 0 = full causal
  double softmaxScale = 0.0;   // 0 = 1/sqrt(headDim); else the scale itself
  double inputMultiplier = 1.0;  // x fed to the projections is x * this
  double keyMultiplier = 1.0;    // k = k_proj(x) * this (before RoPE)
  double outputMultiplier = 1.0; // o_proj output * this
};

struct Mamba1Spec {
  int64_t dInner = 0;
  int64_t dState = 0;
  int64_t dConv = 0;
  int64_t dtRank = 0;
  bool inProjBias = false;
  bool convBias = true;
  bool outProjBias = false;
  // Jamba: RMS norms (no bias) on dt [dtRank], B and C [dState] after x_proj.
  bool bcdtNorms = false;
  double bcdtNormEps = 1e-6;
};

struct Mamba2Spec {
  int64_t nHeads = 0;
  int64_t headDim = 0;
  int64_t nGroups = 1;
  int64_t dState = 0;
  int64_t dConv = 4;
  int64_t chunkSize = 256;
  double dtMin = 0.0;     // time_step_limit: dt = clamp(softplus(...), min, max)
  double dtMax = std::numeric_limits<double>::infinity();
  bool gatedNorm = true;  // true: RMSNormGated with weight [dInner];
                          // false: y * silu(z), no norm weight
  double normEps = 1e-5;
  bool normBeforeGate = false; // true: norm(y) * silu(z); false: norm(y * silu(z))
  int64_t normGroups = 1; // RMS statistics over dInner / normGroups channels
  bool inProjBias = false;
  bool convBias = true;
  bool outProjBias = false;
  // muP (Falcon-H1): input * inputMultiplier before in_proj; the in_proj
  // output sections [z, x, B, C, dt] times projMultipliers; output * outputMultiplier.
  double inputMultiplier = 1.0;
  std::array<double, 5> projMultipliers{1.0, 1.0, 1.0, 1.0, 1.0};
  double outputMultiplier = 1.0;

  int64_t dInner() const { return nHeads * headDim; }
  int64_t convDim() const { return dInner() + 2 * nGroups * dState; }
  // in_proj rows, in order [z, x, B, C, dt].
  int64_t inProjDim() const { return 2 * dInner() + 2 * nGroups * dState + nHeads; }
};

// Intra-layer (head-wise) hybrid: the attention branch (its AttentionSpec) and
// the Mamba-2 branch (its Mamba2Spec) both read the layer input; each branch
// output is normalized and scaled, then fused.
struct IntraHybridSpec {
  Fusion fusion = Fusion::Diff;     // add: s + a; diff: s - a; concat: [a, s]
  bool sharedOutProj = false;       // true: fuse, then intra.out_proj;
                                    // false: each branch projects, then fuse
  NormKind branchNorm = NormKind::RMS;
  bool groupNorm = true;            // statistics per head (group norm) or over
                                    // the whole branch width
  double normEps = 1e-5;
  double attnMultiplier = 1.0;
  double ssmMultiplier = 1.0;
};

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
  MixerKind mixer = MixerKind::None;
  NormSpec mixerNorm;          // kind None iff mixer is None
  AttentionSpec attention;     // Attention, Parallel, IntraHybrid
  Mamba1Spec mamba1;           // Mamba1
  Mamba2Spec mamba2;           // Mamba2, Parallel, IntraHybrid
  IntraHybridSpec intra;       // IntraHybrid
  NormSpec ffnNorm;            // kind None iff ffn.kind is None
  FfnSpec ffn;                 // ffn.kind == Moe: the block is `moe`
  MoeSpec moe;

  bool hasAttention() const;
  bool hasMamba2() const;
};

//===----------------------------------------------------------------------===//
// Weights and state
//===----------------------------------------------------------------------===//

struct WeightSpec {
  std::string name;  // exact checkpoint tensor name
  std::string role;  // family-independent, e.g. "attn.q_proj.weight"
  int64_t layer = -1; // -1 for embeddings, final norm, lm head
  std::vector<int64_t> shape;
  DType dtype = DType::F32;
  int64_t numel() const; // saturates at INT64_MAX
};

struct StateSpec {
  std::string name;  // "layers.3.k_cache"
  std::string kind;  // "k_cache", "v_cache", "conv_state", "ssm_state"
  int64_t layer = 0;
  DType dtype = DType::F32;
  std::vector<int64_t> shape; // per sequence
  int64_t numel() const;      // saturates at INT64_MAX
  int64_t bytes() const;      // saturates at INT64_MAX
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
void forEachWeight(const ModelSpec &spec,
                   const std::function<void(const std::string &role, int64_t layer,
                                            const std::vector<int64_t> &shape)> &fn);

// Per-sequence state at maximum length maxSeq, exactly as the runtime
// allocates it: attention k_cache/v_cache [maxSeq, nkv, hd] (full length also
// for sliding-window layers), Mamba-1 conv_state [dInner, dConv-1] and
// ssm_state [dInner, dState], Mamba-2 conv_state [dInner + 2 G N, dConv-1] and
// ssm_state [nHeads, headDim, dState]; parallel and intra layers have both.
std::vector<StateSpec> stateBuffers(const ModelSpec &spec, int64_t maxSeq);

// Saturating element count of a shape.
int64_t numelOf(const std::vector<int64_t> &shape);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MODELSPEC_H
