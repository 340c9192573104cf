//===- Config.cpp - Format detection, file loading, shared reader code ---===//

#include "frontend/Config.h"
#include "frontend/ReaderSupport.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <new>
#include <sstream>
#include <sys/stat.h>

namespace hybrid::frontend {

namespace detail {

static ConfigError tooDeep(const std::string &file, const std::string &got) {
  return {file, "", "JSON nested at most " + std::to_string(kMaxJsonDepth) + " levels deep", got};
}

Expected<ModelSpec> runReader(const nlohmann::json &config, const std::string &file,
                              const std::function<ModelSpec(const Fields &)> &body) {
  try {
    if (jsonDepth(config) > kMaxJsonDepth)
      return tooDeep(file, "deeper nesting");
    if (!config.is_object())
      failAt(file, "", "a JSON object", describe(config));
    ModelSpec spec = body(Fields(config, "", file));
    spec.sourceFile = file;
    if (auto err = spec.validate())
      return *err;
    return spec;
  } catch (const ConfigException &e) {
    return e.error;
  } catch (const nlohmann::json::exception &e) {
    return ConfigError{file, "", "a well-typed configuration", e.what()};
  } catch (const std::bad_alloc &) {
    return ConfigError{file, "", "a configuration of reasonable size", "out of memory"};
  } catch (const std::exception &e) {
    return ConfigError{file, "", "a valid configuration", e.what()};
  }
}

Activation readActivation(const Fields &f, const std::string &key, const std::string &def) {
  std::string s = f.getString(key, def);
  if (s == "silu" || s == "swish") return Activation::Silu;
  if (s == "gelu") return Activation::Gelu;
  if (s == "gelu_new" || s == "gelu_pytorch_tanh" || s == "gelu_tanh")
    return Activation::GeluTanh;
  if (s == "relu") return Activation::Relu;
  if (s == "relu2") return Activation::Relu2;
  f.failValue(key, "one of silu, swish, gelu, gelu_new, gelu_pytorch_tanh, gelu_tanh, relu, relu2");
}

DType readWeightDType(const Fields &f) {
  const char *key = f.hasValue("dtype") ? "dtype" : "torch_dtype";
  std::optional<std::string> s = f.getOptString(key);
  if (!s)
    return DType::F32;
  std::optional<DType> t = parseDType(*s);
  if (!t)
    f.failValue(key, "one of float32, bfloat16, float16, float64");
  return *t;
}

std::vector<LayerSpec> makeLayers(int64_t n) {
  std::vector<LayerSpec> layers(size_t(n < 0 ? 0 : n));
  for (size_t i = 0; i < layers.size(); ++i)
    layers[i].index = int64_t(i);
  return layers;
}

std::vector<bool> readLayerIndexSet(const Fields &f, const std::string &key, int64_t numLayers) {
  std::vector<bool> member(size_t(numLayers < 0 ? 0 : numLayers), false);
  const nlohmann::json *a = f.getArray(key);
  if (!a)
    return member;
  for (size_t i = 0; i < a->size(); ++i) {
    int64_t idx = Fields::intAt(f, key, (*a)[i], i, 0, kMaxInt);
    if (idx >= numLayers)
      f.fail(key + "[" + std::to_string(i) + "]",
             "a layer index in [0, " + std::to_string(numLayers) + ")", std::to_string(idx));
    member[size_t(idx)] = true;
  }
  return member;
}

} // namespace detail

std::optional<SourceFormat> detectFormat(const nlohmann::json &config) {
  if (!config.is_object())
    return std::nullopt;
  if (config.contains("format"))
    return SourceFormat::Native;
  if (config.contains("backbone"))
    return SourceFormat::Zonos;
  // LMModel's own arguments (a Moshi config.json may also say
  // "model_type": "moshi", which is not a HuggingFace type).
  if (config.contains("dep_q") || config.contains("n_q") || config.contains("depformer_dim"))
    return SourceFormat::Moshi;
  if (config.contains("model_type") && config["model_type"].is_string() &&
      (config["model_type"] == "moshi" || config["model_type"] == "hibiki"))
    return SourceFormat::Moshi;
  if (config.contains("model_type"))
    return SourceFormat::HF;
  return std::nullopt;
}

Expected<ModelSpec> parseModelSpec(const std::string &text, const std::string &file) {
  nlohmann::json config;
  try {
    size_t depth = 0;
    std::string sanitized = detail::sanitizePythonJson(text, &depth);
    if (depth > detail::kMaxJsonDepth)
      return detail::tooDeep(file, std::to_string(depth) + " levels");
    config = nlohmann::json::parse(sanitized);
  } catch (const nlohmann::json::exception &e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    size_t pos = what.find("] ");
    return ConfigError{file, "", "valid JSON",
                       pos == std::string::npos ? what : what.substr(pos + 2)};
  } catch (const std::exception &e) {
    return ConfigError{file, "", "valid JSON", e.what()};
  }
  if (!config.is_object())
    return ConfigError{file, "", "a JSON object", detail::describe(config)};
  std::optional<SourceFormat> format = detectFormat(config);
  if (!format)
    return ConfigError{file, "model_type",
                       "a HuggingFace \"model_type\", a Zonos \"backbone\", Moshi's "
                       "\"dep_q\" or \"format\": \"hybridc\"",
                       "none of them"};
  switch (*format) {
  case SourceFormat::Native:
    return parseNativeConfig(config, file);
  case SourceFormat::Zonos:
    return parseZonosConfig(config, file);
  case SourceFormat::Moshi:
    return parseMoshiConfig(config, file);
  case SourceFormat::HF:
    return parseHFConfig(config, file);
  }
  return ConfigError{file, "", "a known format", "none"};
}

Expected<ModelSpec> loadModelSpec(const std::string &path) {
  std::string file = path;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return ConfigError{path, "", "a JSON file or a directory holding config.json",
                       "no such file or directory"};
  if (S_ISDIR(st.st_mode)) {
    file = path + (!path.empty() && path.back() == '/' ? "" : "/") + "config.json";
    if (::stat(file.c_str(), &st) != 0)
      return ConfigError{file, "", "a config.json in the model directory",
                         "no such file"};
  }
  if (!S_ISREG(st.st_mode))
    return ConfigError{file, "", "a regular file", "something else"};
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return ConfigError{file, "", "a readable file", "cannot open it"};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return ConfigError{file, "", "a readable file", "a read error"};
  return parseModelSpec(text.str(), file);
}

} // namespace hybrid::frontend
