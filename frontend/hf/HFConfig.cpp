//===- HFConfig.cpp - HuggingFace config.json -> ModelSpec ----------------===//
//
// model_type -> its family's reader (hf/<Family>.cpp). A new family is one
// row here and one file. Fields that do not change the math (dropout,
// initializer ranges, token ids, use_cache, ...) are not read by any reader.
//
//===----------------------------------------------------------------------===//

#include "frontend/Config.h"
#include "frontend/hf/HFReaders.h"

namespace hybrid::frontend {

using namespace detail;

namespace {

struct HFFamily {
  const char *modelType;
  ModelSpec (*read)(const Fields &);
};

// In the order supportedHFModelTypes() (and the unknown-type error) lists them.
const HFFamily kFamilies[] = {
    {"llama", [](const Fields &f) { return readLlama(f, /*mistral=*/false); }},
    {"mistral", [](const Fields &f) { return readLlama(f, /*mistral=*/true); }},
    {"mamba", readMamba},
    {"mamba2", readMamba2},
    {"jamba", readJamba},
    {"bamba", readBamba},
    {"falcon_h1", readFalconH1},
    {"nemotron_h", readNemotronH},
    {"granitemoehybrid", readGraniteMoeHybrid},
};

} // namespace

const std::vector<std::string> &supportedHFModelTypes() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> out;
    for (const HFFamily &family : kFamilies)
      out.push_back(family.modelType);
    return out;
  }();
  return types;
}

Expected<ModelSpec> parseHFConfig(const nlohmann::json &config, const std::string &file) {
  return runReader(config, file, [](const Fields &f) -> ModelSpec {
    std::string type = f.requireString("model_type");
    rejectQuantized(f);
    for (const HFFamily &family : kFamilies) {
      if (type != family.modelType)
        continue;
      ModelSpec spec = family.read(f);
      spec.outputVocabSize = spec.vocabSize; // one lm head over the whole vocabulary
      return spec;
    }
    f.failValue("model_type", "one of " + join(supportedHFModelTypes(), ", "));
  });
}

} // namespace hybrid::frontend
