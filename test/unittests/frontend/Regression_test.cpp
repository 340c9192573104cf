//===- Regression_test.cpp - inputs that once crashed the readers --------===//
//
// test/Frontend/Inputs/fuzz/* are crashers found by frontend/fuzz/
// ConfigFuzzer.cpp (kept verbatim). Each must now end in a ConfigError or a
// valid spec whose weights, state and report can be computed. Inputs too
// large to keep as files are generated here.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "frontend/JsonFields.h"
#include "frontend/Report.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;

namespace {
void exercise(const Expected<ModelSpec> &r) {
  if (!r) {
    EXPECT_EQ(r.error().message().find('\n'), std::string::npos);
    return;
  }
  EXPECT_FALSE(r->validate().has_value());
  int64_t sum = 0;
  for (const WeightSpec &w : r->weights())
    sum += w.numel();
  EXPECT_EQ(sum, r->numParams());
  stateBuffers(*r, 4096);
  EXPECT_EQ(computeReport(*r, 4096).total.params, r->numParams());
}
} // namespace

TEST(FuzzRegressions, NoCrash) {
  std::filesystem::path dir = inputPath("fuzz");
  if (!std::filesystem::is_directory(dir))
    GTEST_SKIP() << "no crashers recorded";
  for (const auto &e : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(e.path().string());
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    exercise(parseModelSpec(text.str(), "fuzz.json"));
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(detail::sanitizePythonJson(text.str()));
    } catch (const nlohmann::json::exception &) {
      continue;
    }
    exercise(parseNativeConfig(j, "fuzz.json"));
    exercise(parseHFConfig(j, "fuzz.json"));
    exercise(parseZonosConfig(j, "fuzz.json"));
  }
}

// 200000 nested brackets overflowed the stack in nlohmann's recursive dump()
// (building the "(got ...)" text) and merge_patch() (native layer_defaults).
TEST(FuzzRegressions, DeepNesting) {
  const size_t n = 200000;
  std::string deep = std::string(n, '[') + std::string(n, ']');
  std::string deepObject;
  for (size_t i = 0; i < n; ++i)
    deepObject += "{\"a\":";
  deepObject += "1" + std::string(n, '}');
  const std::string inputs[] = {
      deep,
      R"({"model_type": "llama", "hidden_size": )" + deep + "}",
      R"({"format": "hybridc", "vocab_size": 8, "hidden_size": 8, "layers": [{"kind": "mamba1", )"
      R"("comment": )" + deepObject + "}]}",
  };
  for (const std::string &text : inputs) {
    Expected<ModelSpec> r = parseModelSpec(text, "deep.json");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message().rfind("deep.json: expected JSON nested at most 64 levels deep "
                                        "(got ", 0),
              0u)
        << r.error().message();
    // The same through the readers that take a parsed document.
    nlohmann::json j = nlohmann::json::parse(text);
    for (auto reader : {parseNativeConfig, parseHFConfig, parseZonosConfig}) {
      Expected<ModelSpec> d = reader(j, "deep.json");
      ASSERT_FALSE(d);
      EXPECT_EQ(d.error().message(), "deep.json: expected JSON nested at most 64 levels deep "
                                     "(got deeper nesting)");
    }
  }
  // 64 levels are fine (and end in an ordinary error).
  std::string ok = std::string(63, '[') + std::string(63, ']');
  std::string msg =
      parseModelSpec(R"({"model_type": "llama", "hidden_size": )" + ok + "}", "x.json")
          .error()
          .message();
  EXPECT_EQ(msg.rfind("x.json: field 'hidden_size': expected a positive integer (got [[[", 0), 0u)
      << msg;
}
