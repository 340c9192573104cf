//===- manifest_test.cpp - Manifest parsing and validation ----------------===//

#include "test_util.h"

#include "runtime/src/manifest.h"

#include <nlohmann/json.hpp>

using namespace hyb;
using namespace hyb::test;
using json = nlohmann::json;

namespace {

json validManifest() {
  return json::parse(R"({
    "format": "hybridc-artifact", "version": 2,
    "model": {"name": "tiny-hybrid", "config_hash": "fnv1a64:0123",
              "vocab_size": 128, "hidden_size": 64, "num_layers": 4},
    "target": {"kind": "cpu", "triple": "x86_64-unknown-linux-gnu", "cpu": "znver5"},
    "max_seq": 256,
    "weights": [{"name": "embed", "dtype": "f32", "shape": [128, 64]},
                {"name": "norm", "dtype": "bf16", "shape": [64]}],
    "state": [{"name": "layers.0.k_cache", "layer": 0, "kind": "k_cache", "scope": "sequence",
               "dtype": "f32", "shape": [256, 2, 16]},
              {"name": "layers.1.ssm", "layer": 1, "kind": "ssm_state", "scope": "sequence",
               "dtype": "f32", "shape": [4, 8]}],
    "entry_points": [
      {"name": "prefill", "symbol": "hybrid_entry_prefill", "advance": "T", "args": [
        {"role": "weight", "name": "embed"},
        {"role": "tokens", "name": "tokens", "io": "in", "dtype": "i64", "shape": ["B", "T"]},
        {"role": "position", "name": "position", "io": "in", "dtype": "i64", "shape": ["B"]},
        {"role": "state", "name": "layers.0.k_cache"},
        {"role": "logits", "name": "logits", "io": "out", "dtype": "f32", "shape": ["B", "T", 128]}]},
      {"name": "decode", "symbol": "hybrid_entry_decode", "advance": 1, "args": [
        {"role": "weight", "name": "embed", "dtype": "f32", "shape": [128, 64]},
        {"role": "tokens", "name": "tokens", "io": "in", "dtype": "i64", "shape": ["B", 1]},
        {"role": "position", "name": "position", "io": "in", "dtype": "i64", "shape": ["B"]},
        {"role": "state", "name": "layers.1.ssm", "shape": ["B", 4, 8]},
        {"role": "logits", "name": "logits", "io": "out", "dtype": "f32", "shape": ["B", 1, 128]}]},
      {"name": "decode_greedy", "symbol": "hybrid_entry_decode_greedy", "advance": 1, "args": [
        {"role": "tokens", "name": "tokens", "io": "in", "dtype": "i64", "shape": ["B", 1]},
        {"role": "position", "name": "position", "io": "in", "dtype": "i64", "shape": ["B"]},
        {"role": "next_token", "name": "next_token", "io": "out", "dtype": "i64", "shape": ["B", 1]}]}
    ]})");
}

StatusResult parse(const json &j, Manifest *out = nullptr) {
  Manifest m;
  return take(parseManifest(j.dump(), out ? out : &m));
}

void expectError(const json &j, const std::vector<std::string> &parts) {
  StatusResult r = parse(j);
  ASSERT_EQ(r.code, HYB_STATUS_INVALID_FORMAT) << r.message;
  for (const auto &p : parts)
    EXPECT_NE(r.message.find(p), std::string::npos)
        << "'" << p << "' not in: " << r.message;
}

TEST(ManifestTest, ParsesValidManifest) {
  Manifest m;
  StatusResult r = parse(validManifest(), &m);
  ASSERT_EQ(r.code, HYB_STATUS_OK) << r.message;
  EXPECT_EQ(m.modelName, "tiny-hybrid");
  EXPECT_EQ(m.configHash, "fnv1a64:0123");
  EXPECT_EQ(m.vocabSize, 128);
  EXPECT_EQ(m.maxSeq, 256);
  EXPECT_EQ(m.targetKind, "cpu");
  EXPECT_EQ(m.targetCpu, "znver5");
  ASSERT_EQ(m.weights.size(), 2u);
  EXPECT_EQ(m.weights[1].dtype, HYB_DTYPE_BF16);
  EXPECT_EQ(m.weights[0].numBytes, 128u * 64 * 4);
  ASSERT_EQ(m.state.size(), 2u);
  EXPECT_EQ(m.state[0].layer, 0);
  EXPECT_EQ(m.state[0].shape, (std::vector<int64_t>{256, 2, 16}));
  ASSERT_EQ(m.entryPoints.size(), 3u);
  const EntryPointDecl *prefill = m.findEntryPoint("prefill");
  ASSERT_NE(prefill, nullptr);
  EXPECT_EQ(prefill->symbol, "hybrid_entry_prefill");
  EXPECT_EQ(prefill->fixedTokens, 0);
  EXPECT_TRUE(prefill->hasLogits);
  ASSERT_EQ(prefill->args.size(), 5u);
  EXPECT_EQ(prefill->args[3].role, ArgRole::State);
  EXPECT_EQ(prefill->args[3].tensorIndex, 0u);
  const EntryPointDecl *greedy = m.findEntryPoint("decode_greedy");
  ASSERT_NE(greedy, nullptr);
  EXPECT_EQ(greedy->fixedTokens, 1);
  EXPECT_TRUE(greedy->hasNextToken);
  EXPECT_FALSE(greedy->hasLogits);
}

TEST(ManifestTest, OptionalFieldsMayBeAbsentAndUnknownFieldsAreIgnored) {
  json j = validManifest();
  j["model"].erase("hidden_size");
  j["model"].erase("num_layers");
  j["target"].erase("triple");
  j["target"].erase("cpu");
  j["state"][1].erase("layer");
  j["extra"] = {{"anything", 1}};
  Manifest m;
  StatusResult r = parse(j, &m);
  ASSERT_EQ(r.code, HYB_STATUS_OK) << r.message;
  EXPECT_EQ(m.state[1].layer, -1);
  EXPECT_EQ(m.hiddenSize, -1);
}

TEST(ManifestErrorTest, NotJson) {
  Manifest m;
  StatusResult r = take(parseManifest("{\"format\": ", &m));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_FORMAT);
  EXPECT_NE(r.message.find("not valid JSON"), std::string::npos) << r.message;
}

TEST(ManifestErrorTest, WrongFormat) {
  json j = validManifest();
  j["format"] = "onnx";
  expectError(j, {"'format'", "\"hybridc-artifact\"", "\"onnx\""});
}

TEST(ManifestErrorTest, StringsFromTheArtifactAreEscaped) {
  json j = validManifest();
  j["format"] = "\x1b]0;pwned\x07";
  expectError(j, {"got \"\\x1b]0;pwned\\x07\""});
  j = validManifest();
  j["target"]["kind"] = "cpu\n";
  expectError(j, {"got \"cpu\\x0a\""});
}

TEST(ManifestErrorTest, UnknownVersion) {
  json j = validManifest();
  j["version"] = 3;
  j.erase("model"); // the version is checked before anything else
  expectError(j, {"manifest version 3 is not supported", "reads version 2",
                  "recompile the model with a hybridc"});
}

TEST(ManifestErrorTest, Version1IsRefused) {
  // An artifact of ABI v1 (before named inputs, kinds and scopes).
  json j = validManifest();
  j["version"] = 1;
  expectError(j, {"manifest version 1 is not supported",
                  "this runtime reads version 2",
                  "recompile the model with a hybridc of ABI version 2"});
}

TEST(ManifestErrorTest, VersionNotAnInteger) {
  json j = validManifest();
  j["version"] = "1";
  expectError(j, {"'version'", "an integer", "\"1\""});
}

TEST(ManifestErrorTest, MissingVocabSize) {
  json j = validManifest();
  j["model"].erase("vocab_size");
  expectError(j, {"missing field 'model.vocab_size'"});
}

TEST(ManifestErrorTest, VocabSizeWrongType) {
  json j = validManifest();
  j["model"]["vocab_size"] = "128";
  expectError(j, {"'model.vocab_size'", "an integer >= 1"});
}

TEST(ManifestErrorTest, ConfigHashWrongType) {
  json j = validManifest();
  j["model"]["config_hash"] = 5;
  expectError(j, {"'model.config_hash'", "a string"});
}

TEST(ManifestErrorTest, MaxSeqZero) {
  json j = validManifest();
  j["max_seq"] = 0;
  expectError(j, {"'max_seq'", ">= 1"});
}

TEST(ManifestErrorTest, UnknownTargetKind) {
  json j = validManifest();
  j["target"]["kind"] = "tpu";
  expectError(j, {"'target.kind'", "\"tpu\""});
}

json cudaManifest() {
  json j = validManifest();
  j["target"] = json::parse(R"({"kind": "cuda", "arch": "sm_90a",
      "ptx_version": 80, "kernels": ["prefill_kernel_0", "decode_kernel_0"]})");
  return j;
}

TEST(ManifestTest, CudaTarget) {
  Manifest m;
  ASSERT_EQ(parse(cudaManifest(), &m).code, HYB_STATUS_OK);
  EXPECT_EQ(m.targetKind, "cuda");
  EXPECT_EQ(m.targetArch, "sm_90a");
  EXPECT_EQ(m.targetPtxVersion, 80);
  EXPECT_EQ(m.targetKernels,
            (std::vector<std::string>{"prefill_kernel_0", "decode_kernel_0"}));
  EXPECT_FALSE(m.targetKernelsWaitForPriorGrid); // absent: launched apart
  json j = cudaManifest();
  j["target"]["kernels"] = json::array(); // an artifact of GEMMs only
  EXPECT_EQ(parse(j).code, HYB_STATUS_OK);
  j = cudaManifest();
  j["target"]["kernels_wait_for_prior_grid"] = true;
  ASSERT_EQ(parse(j, &m).code, HYB_STATUS_OK);
  EXPECT_TRUE(m.targetKernelsWaitForPriorGrid);
}

TEST(ManifestErrorTest, CudaTargetFields) {
  json j = cudaManifest();
  j["target"].erase("arch");
  expectError(j, {"'target.arch'"});
  j = cudaManifest();
  j["target"]["arch"] = "hopper";
  expectError(j, {"'target.arch'", "\"hopper\"", "sm_90a"});
  j = cudaManifest();
  j["target"]["ptx_version"] = 0;
  expectError(j, {"'target.ptx_version'", ">= 1"});
  j = cudaManifest();
  j["target"]["kernels"] = "prefill_kernel_0";
  expectError(j, {"'target.kernels'", "an array of kernel names"});
  j = cudaManifest();
  j["target"]["kernels"][1] = 7;
  expectError(j, {"'target.kernels[1]'", "a kernel name"});
  j = cudaManifest();
  j["target"]["kernels"][1] = "prefill_kernel_0";
  expectError(j, {"'target.kernels[1]'", "duplicate kernel 'prefill_kernel_0'"});
  j = cudaManifest();
  j["target"]["kernels_wait_for_prior_grid"] = 1;
  expectError(j, {"'target.kernels_wait_for_prior_grid'", "a boolean"});
}

TEST(ManifestErrorTest, WeightsNotAnArray) {
  json j = validManifest();
  j["weights"] = json::object();
  expectError(j, {"'weights'", "an array"});
}

TEST(ManifestErrorTest, NegativeWeightDim) {
  json j = validManifest();
  j["weights"][0]["shape"][1] = -64;
  expectError(j, {"'weights[0].shape[1]'", "non-negative integer", "-64"});
}

TEST(ManifestErrorTest, UnknownWeightDtype) {
  json j = validManifest();
  j["weights"][1]["dtype"] = "f64";
  expectError(j, {"'weights[1].dtype'", "unknown dtype 'f64'"});
}

TEST(ManifestTest, GatheredWeights) {
  json j = validManifest();
  j["weights"][0]["access"] = "gather";
  j["weights"][1]["access"] = "stream";
  Manifest m;
  StatusResult r = parse(j, &m);
  ASSERT_EQ(r.code, HYB_STATUS_OK) << r.message;
  EXPECT_TRUE(m.weights[0].gathered);
  EXPECT_FALSE(m.weights[1].gathered);
  // Absent means streamed.
  r = parse(validManifest(), &m);
  ASSERT_EQ(r.code, HYB_STATUS_OK) << r.message;
  EXPECT_FALSE(m.weights[0].gathered);
}

TEST(ManifestErrorTest, UnknownWeightAccess) {
  json j = validManifest();
  j["weights"][0]["access"] = "random";
  expectError(j, {"'weights[0].access'", "\"stream\" or \"gather\"",
                  "random"});
}

TEST(ManifestErrorTest, DuplicateWeightName) {
  json j = validManifest();
  j["weights"][1]["name"] = "embed";
  expectError(j, {"'weights[1].name'", "duplicate name 'embed'"});
}

TEST(ManifestErrorTest, StateLayerWrongType) {
  json j = validManifest();
  j["state"][0]["layer"] = "0";
  expectError(j, {"'state[0].layer'", "an integer"});
}

TEST(ManifestErrorTest, RankTooLarge) {
  json j = validManifest();
  j["state"][1]["shape"] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  expectError(j, {"'state[1].shape'", "at most 8 dims"});
}

TEST(ManifestErrorTest, ArgNamesUnknownWeight) {
  json j = validManifest();
  j["entry_points"][0]["args"][0]["name"] = "lm_head";
  expectError(j, {"'entry_points[0].args[0].name'", "'lm_head' is not listed in 'weights'"});
}

TEST(ManifestErrorTest, ArgNamesUnknownState) {
  json j = validManifest();
  j["entry_points"][0]["args"][3]["name"] = "layers.9.ssm";
  expectError(j, {"'entry_points[0].args[3].name'", "not listed in 'state'"});
}

TEST(ManifestErrorTest, UnknownRole) {
  json j = validManifest();
  j["entry_points"][0]["args"][0]["role"] = "bias";
  expectError(j, {"'entry_points[0].args[0].role'", "unknown role 'bias'"});
}

TEST(ManifestErrorTest, LogitsNotPerSequence) {
  // v2 takes an output's shape as the manifest says (a multi-codebook
  // model's logits are [B, T, K, V'], V' != vocab_size); "B" comes first.
  json j = validManifest();
  j["entry_points"][0]["args"][4]["shape"] = {"T", "B", 128};
  expectError(j, {"'entry_points[0].args[4].shape'", "[\"B\", ...]",
                  "[\"T\", \"B\", 128]"});
}

TEST(ManifestErrorTest, TokensWrongDtype) {
  json j = validManifest();
  j["entry_points"][0]["args"][1]["dtype"] = "i32";
  expectError(j, {"'entry_points[0].args[1].dtype'", "must be i64, got i32"});
}

TEST(ManifestErrorTest, PrefillWithFixedT) {
  json j = validManifest();
  j["entry_points"][0]["args"][1]["shape"] = {"B", 1};
  expectError(j, {"'entry_points[0].args[1].shape'"});
}

TEST(ManifestErrorTest, StateArgShapeMismatch) {
  json j = validManifest();
  j["entry_points"][1]["args"][3]["shape"] = {"B", 4, 9};
  expectError(j, {"'entry_points[1].args[3].shape'", "[\"B\", 4, 8]"});
}

TEST(ManifestErrorTest, WeightArgDtypeMismatch) {
  json j = validManifest();
  j["entry_points"][1]["args"][0]["dtype"] = "bf16";
  expectError(j, {"'entry_points[1].args[0].dtype'", "declared f32"});
}

TEST(ManifestErrorTest, MissingPositionArg) {
  json j = validManifest();
  j["entry_points"][0]["args"].erase(2);
  expectError(j, {"entry point 'prefill' needs a 'position' argument"});
}

TEST(ManifestErrorTest, SecondTokensArg) {
  json j = validManifest();
  j["entry_points"][0]["args"].push_back(j["entry_points"][0]["args"][1]);
  expectError(j, {"'entry_points[0].args[5]'", "second 'tokens' argument"});
}

TEST(ManifestErrorTest, MissingDecode) {
  json j = validManifest();
  j["entry_points"].erase(1);
  expectError(j, {"no 'decode' entry point"});
}

TEST(ManifestErrorTest, DuplicateEntryPoint) {
  json j = validManifest();
  j["entry_points"].push_back(j["entry_points"][0]);
  expectError(j, {"'entry_points[3].name'", "duplicate entry point 'prefill'"});
}

TEST(ManifestTest, NamedInputsAndOutputsWithSymbolicShapes) {
  // A multi-codebook prefill (Zonos: 9 codebooks, 1025 logits a codebook).
  json j = validManifest();
  j["entry_points"][0]["args"][1]["shape"] = {"B", "T", 9};
  j["entry_points"][0]["args"][4]["shape"] = {"B", "T", 9, 1025};
  Manifest m;
  StatusResult r = parse(j, &m);
  ASSERT_EQ(r.code, HYB_STATUS_OK) << r.message;
  const EntryPointDecl *prefill = m.findEntryPoint("prefill");
  ASSERT_EQ(prefill->io.size(), 3u);
  const ArgDecl *logits = prefill->findIO("logits");
  ASSERT_NE(logits, nullptr);
  EXPECT_TRUE(logits->isOutput);
  EXPECT_EQ(formatDims(logits->shape), "[\"B\", \"T\", 9, 1025]");
  EXPECT_FALSE(prefill->findIO("tokens")->isOutput);
  EXPECT_EQ(prefill->findIO("layers.0.k_cache"), nullptr); // state: not io
  EXPECT_EQ(m.state[0].kind, "k_cache");
  EXPECT_EQ(m.state[0].scope, "sequence");
}

TEST(ManifestTest, EmbedsInputAndFrameRate) {
  // Zonos' prefill_embeds: hidden vectors [B, T, D] in place of token ids,
  // advancing by their T; the codec's frame rate on the model.
  json j = validManifest();
  json entry = j["entry_points"][0];
  entry["name"] = "prefill_embeds";
  entry["symbol"] = "hybrid_entry_prefill_embeds";
  entry["args"][1] = {{"role", "embeds"}, {"name", "embeds"}, {"io", "in"},
                      {"dtype", "f32"}, {"shape", {"B", "T", 64}}};
  j["entry_points"].push_back(entry);
  j["model"]["frame_rate"] = 86.1328125;
  Manifest m;
  StatusResult r = parse(j, &m);
  ASSERT_EQ(r.code, HYB_STATUS_OK) << r.message;
  const ArgDecl *embeds = m.findEntryPoint("prefill_embeds")->findIO("embeds");
  ASSERT_NE(embeds, nullptr);
  EXPECT_EQ(embeds->role, ArgRole::Embeds);
  EXPECT_FALSE(embeds->isOutput);
  EXPECT_EQ(formatDims(embeds->shape), "[\"B\", \"T\", 64]");
  EXPECT_DOUBLE_EQ(m.frameRate, 86.1328125);

  json bad = j;
  bad["entry_points"][3]["args"][1]["dtype"] = "i64";
  expectError(bad, {"'entry_points[3].args[1].dtype'", "'embeds' argument must be f32"});
  bad = j;
  bad["entry_points"][3]["args"][1]["io"] = "out";
  expectError(bad, {"'entry_points[3].args[1].io'", "'embeds' argument is an input"});
  bad = j;
  bad["model"]["frame_rate"] = 0;
  expectError(bad, {"'model.frame_rate'", "a positive number"});
}

TEST(ManifestErrorTest, IoMissing) {
  json j = validManifest();
  j["entry_points"][0]["args"][1].erase("io");
  expectError(j, {"missing field 'entry_points[0].args[1].io'"});
}

TEST(ManifestErrorTest, IoWrongDirection) {
  json j = validManifest();
  j["entry_points"][0]["args"][4]["io"] = "in";
  expectError(j, {"'entry_points[0].args[4].io'", "'logits' argument is an "
                  "output"});
}

TEST(ManifestErrorTest, InputNameMissing) {
  json j = validManifest();
  j["entry_points"][0]["args"][2].erase("name");
  expectError(j, {"missing field 'entry_points[0].args[2].name'"});
}

TEST(ManifestErrorTest, StateKindAndScope) {
  json j = validManifest();
  j["state"][0].erase("kind");
  expectError(j, {"missing field 'state[0].kind'"});
  j = validManifest();
  j["state"][1]["scope"] = "forever";
  expectError(j, {"'state[1].scope'", "\"sequence\" or \"frame\""});
}

TEST(ManifestErrorTest, Advance) {
  json j = validManifest();
  j["entry_points"][1]["advance"] = "T";
  expectError(j, {"'entry_points[1].advance'", "entry point 'decode' "
                  "advances by [1]"});
  j = validManifest();
  j["entry_points"][0].erase("advance");
  expectError(j, {"missing field 'entry_points[0].advance'"});
}

TEST(ManifestErrorTest, TNotReadableFromInputs) {
  // A "T" only in an output cannot be resolved at a call.
  json j = validManifest();
  j["entry_points"][1]["args"][4]["shape"] = {"B", "T", 128};
  expectError(j, {"entry point 'decode' uses \"T\" but no input has"});
}

TEST(ManifestErrorTest, EmptySymbol) {
  json j = validManifest();
  j["entry_points"][0]["symbol"] = "";
  expectError(j, {"'entry_points[0].symbol'", "non-empty"});
}

} // namespace
