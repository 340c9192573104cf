//===- ReaderSupport.h - Shared pieces of the config readers ---*- C++ -*-===//
//
// Internal to the frontend.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_READERSUPPORT_H
#define HYBRIDC_FRONTEND_READERSUPPORT_H

#include "frontend/JsonFields.h"
#include "frontend/ModelSpec.h"

#include <functional>

namespace hybrid::frontend::detail {

// Runs a reader: `body` builds the spec and throws ConfigException on bad
// input. Any other exception (nlohmann's, bad_alloc, ...) also becomes a
// ConfigError; the spec is validated before it is returned.
Expected<ModelSpec> runReader(const nlohmann::json &config, const std::string &file,
                              const std::function<ModelSpec(const Fields &)> &body);

// Activation names: transformers' ACT2FN keys we implement (silu, swish,
// gelu, gelu_new, gelu_pytorch_tanh, relu, relu2) plus "gelu_tanh".
Activation readActivation(const Fields &f, const std::string &key, const std::string &def);

// Weight dtype from "dtype" / "torch_dtype" (float32, bfloat16, float16,
// float64); absent or null -> f32.
DType readWeightDType(const Fields &f);

// Builds layers[i] with index i for i < n.
std::vector<LayerSpec> makeLayers(int64_t n);

// A list of layer indices (attn_layer_idx, attn_layer_indices) as membership
// per layer; every index must be in [0, numLayers), repeats are allowed.
// Absent or null -> no layer.
std::vector<bool> readLayerIndexSet(const Fields &f, const std::string &key, int64_t numLayers);

} // namespace hybrid::frontend::detail

#endif // HYBRIDC_FRONTEND_READERSUPPORT_H
