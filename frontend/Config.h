//===- Config.h - Read a model description into a ModelSpec -----*- C++ -*-===//
//
// Three readers produce the same validated ModelSpec:
//   - native hybridc JSON ("format": "hybridc"; schema in docs/Frontend.md),
//   - HuggingFace config.json ("model_type": one of supportedHFModelTypes()),
//   - Zonos config.json (a "backbone" object, mamba_ssm conventions),
//   - Moshi LM config.json (moshi.models.lm.LMModel's keyword arguments).
// Every failure is a ConfigError; no exception escapes, whatever the input.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_CONFIG_H
#define HYBRIDC_FRONTEND_CONFIG_H

#include "frontend/ConfigError.h"
#include "frontend/ModelSpec.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace hybrid::frontend {

// `path` is a JSON file or a directory holding config.json. The format is
// detected: "format": "hybridc" -> native, "backbone" -> Zonos,
// "dep_q"/"n_q"/"depformer_dim" or model_type moshi -> Moshi,
// "model_type" -> HuggingFace.
Expected<ModelSpec> loadModelSpec(const std::string &path);

// The same, from JSON text; `file` names it in errors. Accepts the Infinity,
// -Infinity and NaN tokens Python's json module writes.
Expected<ModelSpec> parseModelSpec(const std::string &text, const std::string &file);

// Format detection on a parsed document (see loadModelSpec).
std::optional<SourceFormat> detectFormat(const nlohmann::json &config);

// The individual readers. Each returns a spec that passed validate().
Expected<ModelSpec> parseNativeConfig(const nlohmann::json &config, const std::string &file);
Expected<ModelSpec> parseHFConfig(const nlohmann::json &config, const std::string &file);
Expected<ModelSpec> parseZonosConfig(const nlohmann::json &config, const std::string &file);
// A Moshi LM config.json (LMModel's keyword arguments); the checkpoint next
// to `file`, if any, decides how attention projections are named.
Expected<ModelSpec> parseMoshiConfig(const nlohmann::json &config, const std::string &file);

// llama, mistral, mamba, mamba2, jamba, bamba, falcon_h1, nemotron_h,
// granitemoehybrid.
const std::vector<std::string> &supportedHFModelTypes();

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_CONFIG_H
