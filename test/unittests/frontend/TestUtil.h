//===- TestUtil.h - Helpers for the frontend unit tests -------*- C++ -*-===//

#ifndef HYBRIDC_TEST_UNITTESTS_FRONTEND_TESTUTIL_H
#define HYBRIDC_TEST_UNITTESTS_FRONTEND_TESTUTIL_H

#include "frontend/Config.h"
#include "frontend/ModelSpec.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace hybrid::frontend::testing {

inline std::string inputPath(const std::string &name) {
  return std::string(HYBRIDC_FRONTEND_INPUTS) + "/" + name;
}

// Loads test/Frontend/Inputs/<name>; fails the test with the error message.
inline ModelSpec load(const std::string &name) {
  Expected<ModelSpec> r = loadModelSpec(inputPath(name));
  if (!r) {
    ADD_FAILURE() << r.error().message();
    return ModelSpec();
  }
  return std::move(*r);
}

// Parses inline JSON text (named "inline.json" in errors).
inline Expected<ModelSpec> parse(const std::string &text) {
  return parseModelSpec(text, "inline.json");
}

inline ModelSpec parseOk(const std::string &text) {
  Expected<ModelSpec> r = parse(text);
  if (!r) {
    ADD_FAILURE() << r.error().message();
    return ModelSpec();
  }
  return std::move(*r);
}

inline std::string parseError(const std::string &text) {
  Expected<ModelSpec> r = parse(text);
  if (r) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  return r.error().message();
}

// name -> shape of every tensor.
inline std::map<std::string, std::vector<int64_t>> shapes(const ModelSpec &spec) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const WeightSpec &w : spec.weights())
    out[w.name] = w.shape;
  return out;
}

using Shape = std::vector<int64_t>;

} // namespace hybrid::frontend::testing

#endif
