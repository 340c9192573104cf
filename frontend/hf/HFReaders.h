//===- HFReaders.h - HuggingFace readers, their common fields ---*- C++ -*-===//
//
// Internal to the frontend. One reader per model family, each in its own
// file (Llama.cpp, Mamba.cpp, ...), following transformers'
// configuration_*.py (defaults) and modeling_*.py (which fields change the
// math). HFConfig.cpp maps model_type to a reader. What several families
// read the same way is here, so that a family's file holds only what is its
// own; docs/Frontend.md lists, per type, every field read and every value
// refused.
//
// The order of the reads is the order of the checks: the first bad field is
// the error, so a helper reads its fields in one fixed order.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_HF_HFREADERS_H
#define HYBRIDC_FRONTEND_HF_HFREADERS_H

#include "frontend/ReaderSupport.h"

#include <optional>
#include <string>

namespace hybrid::frontend::detail {

//===----------------------------------------------------------------------===//
// The family readers (model_type -> reader is in HFConfig.cpp)
//===----------------------------------------------------------------------===//

ModelSpec readLlama(const Fields &f, bool mistral); // llama, mistral
ModelSpec readMamba(const Fields &f);
ModelSpec readMamba2(const Fields &f);
ModelSpec readJamba(const Fields &f);
ModelSpec readBamba(const Fields &f);
ModelSpec readFalconH1(const Fields &f);
ModelSpec readNemotronH(const Fields &f);
ModelSpec readGraniteMoeHybrid(const Fields &f);

//===----------------------------------------------------------------------===//
// Common fields
//===----------------------------------------------------------------------===//

// A spec with what every family sets the same way: format, model type,
// weight naming, name (`_name_or_path`, else the type) and weight dtype.
ModelSpec baseSpec(const Fields &f, const std::string &type, WeightNaming naming);

// The transformer trunk most families share, read in this order:
// vocab_size, hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads, head_dim. Sets the spec's vocab
// and hidden sizes and returns the rest. The defaults are the config class's.
struct TrunkDefaults {
  int64_t vocab, hidden, intermediate, layers, heads;
  std::optional<int64_t> kvHeads;    // absent -> this; std::nullopt -> heads
  bool requireDivisibleHeads = false; // the class refuses hidden % heads != 0
};
struct Trunk {
  int64_t intermediate, layers, heads, kvHeads, headDim;
};
Trunk readTrunk(const Fields &f, const TrunkDefaults &d, ModelSpec &spec);

// num_key_value_heads: absent -> absentDefault, null -> heads; must divide heads.
int64_t readKvHeads(const Fields &f, int64_t heads, int64_t absentDefault);

// head_dim: an explicit (non-null) value wins; otherwise hidden // heads.
int64_t readHeadDim(const Fields &f, int64_t hidden, int64_t heads, bool requireDivisible,
                    std::optional<int64_t> absentDefault = std::nullopt);

double positiveDouble(const Fields &f, const std::string &key, double def);

// The Mamba conv (and Mamba-2 mixers of these families) use `key` as their
// activation: it must be silu.
void requireSiluFor(const Fields &f, const std::string &key, const std::string &def);

void rejectQuantized(const Fields &f);

void setLayers(ModelSpec &spec, int64_t n);

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

NormSpec rmsNorm(double eps);
FfnSpec gatedMlp(int64_t intermediate, Activation act, bool bias);
FfnSpec plainMlp(int64_t intermediate, Activation act, bool bias);

// Attention of the Llama family: bias on q/k/v/o per `bias`, no RoPE yet.
AttentionSpec llamaAttention(int64_t heads, int64_t kv, int64_t hd, bool bias);

struct Rope {
  double theta = 10000.0;
  double partial = 1.0;
};

// rope_scaling / rope_parameters (only rope_type "default"), rope_theta and
// partial_rotary_factor (see HFCommon.cpp).
Rope readRope(const Fields &f, double defaultTheta);
void requireFullRotary(const Fields &f, const Rope &rope, const std::string &why);
// theta, and rotaryDim = headDim * partial.
void setRope(AttentionSpec &a, const Rope &rope);

// time_step_limit: [min, max], max may be Infinity.
void readTimeStepLimit(const Fields &f, const std::string &key, Mamba2Spec &m);

// The BambaMixer fields (bamba, falcon_h1, granitemoehybrid): mamba_n_heads,
// mamba_d_head ("auto" = intermediate / heads), mamba_n_groups,
// mamba_d_state, mamba_d_conv, mamba_chunk_size, mamba_conv_bias,
// mamba_proj_bias.
void readBambaMixerHeads(const Fields &f, int64_t intermediate, Mamba2Spec &m);
// The whole BambaMixer of bamba and granitemoehybrid: mamba_expand, the
// fields above over expand * hidden, time_step_limit, and the gated RMS norm
// (eps `normEps`) over the whole width.
Mamba2Spec readBambaMixer(const Fields &f, int64_t hidden, double normEps);

} // namespace hybrid::frontend::detail

#endif // HYBRIDC_FRONTEND_HF_HFREADERS_H
