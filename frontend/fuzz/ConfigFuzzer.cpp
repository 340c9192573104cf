//===- ConfigFuzzer.cpp - libFuzzer entry for the config readers ---------===//
//
// Feeds arbitrary bytes through format detection and all three readers
// (whatever the detected format), then validate(), weights(), stateBuffers()
// and the report of every spec that parses. Any crash, sanitizer report or
// uncaught exception is a bug: bad input must end as a ConfigError.
//
//   clang++-22 -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//     frontend/*.cpp frontend/fuzz/ConfigFuzzer.cpp -o hybrid-config-fuzzer
//   ./hybrid-config-fuzzer -max_total_time=600 corpus/ test/Frontend/Inputs/
//
//===----------------------------------------------------------------------===//

#include "frontend/Config.h"
#include "frontend/JsonFields.h"
#include "frontend/Report.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

using namespace hybrid::frontend;

static void exercise(const Expected<ModelSpec> &result) {
  if (!result) {
    // The message must be one line.
    std::string m = result.error().message();
    if (m.find('\n') != std::string::npos)
      __builtin_trap();
    return;
  }
  const ModelSpec &spec = *result;
  if (spec.validate()) // readers return validated specs only
    __builtin_trap();
  int64_t sum = 0;
  for (const WeightSpec &w : spec.weights())
    if (__builtin_add_overflow(sum, w.numel(), &sum))
      sum = INT64_MAX;
  if (sum != spec.numParams())
    __builtin_trap();
  for (int64_t n : {int64_t(1), int64_t(7), int64_t(4096)}) {
    std::vector<StateSpec> state = stateBuffers(spec, n);
    ModelReport report = computeReport(spec, n);
    if (report.total.params != spec.numParams())
      __builtin_trap();
    (void)reportToText(report);
    (void)reportToJson(report).dump();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  exercise(parseModelSpec(text, "fuzz.json"));

  nlohmann::json config;
  try {
    config = nlohmann::json::parse(detail::sanitizePythonJson(text));
  } catch (const nlohmann::json::exception &) {
    return 0;
  }
  exercise(parseNativeConfig(config, "fuzz.json"));
  exercise(parseHFConfig(config, "fuzz.json"));
  exercise(parseZonosConfig(config, "fuzz.json"));
  return 0;
}
