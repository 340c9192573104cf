//===- weights_test.cpp - Resolving and binding weights -------------------===//

#include "test_util.h"

#include "runtime/src/config_hash.h"
#include "runtime/src/module.h"

#include <cstring>
#include <sys/stat.h>

using namespace hyb;
using namespace hyb::test;

namespace {

struct ModuleHolder {
  hyb_module_t *m = nullptr;
  ModuleHolder() {
    hyb_status_t s = hyb_module_load(HYB_TEST_ARTIFACT, &m);
    EXPECT_EQ(s, nullptr) << hyb_status_message(s);
  }
  ~ModuleHolder() { hyb_module_free(m); }
};

/// The logits of prefill([0]) with the bound weights, sequence 0.
std::vector<float> firstLogits(hyb_module_t *m) {
  hyb_session_t *s = nullptr;
  hyb_status_t st = hyb_session_create(m, nullptr, &s);
  EXPECT_EQ(st, nullptr) << hyb_status_message(st);
  std::vector<float> logits(8);
  int64_t token = 0;
  st = hyb_session_prefill(s, &token, 1, logits.data());
  EXPECT_EQ(st, nullptr) << hyb_status_message(st);
  hyb_session_free(s);
  return logits;
}

std::vector<float> expectedLogits(hyb_dtype_t dtype) {
  MockModel model;
  for (auto &w : model.w) {
    if (dtype == HYB_DTYPE_BF16)
      w = bf16ToFloat(floatToBf16(w));
    if (dtype == HYB_DTYPE_F16)
      w = f16ToFloat(floatToF16(w));
  }
  return model.step(0);
}

TEST(WeightsTest, F32IsZeroCopy) {
  TempDir dir;
  writeFile(dir.file("w.safetensors"), mockWeightsFile());
  ModuleHolder h;
  HYB_ASSERT_OK(hyb_module_bind_weights(h.m, dir.file("w.safetensors").c_str()));
  EXPECT_EQ(hyb_module_weights_bound(h.m), 1);
  EXPECT_EQ(h.m->weights.zeroCopyBytes, 32u);
  EXPECT_EQ(h.m->weights.copiedBytes, 0u);
  EXPECT_EQ(firstLogits(h.m), expectedLogits(HYB_DTYPE_F32));
}

TEST(WeightsTest, Bf16AndF16AreConverted) {
  for (StDtype dt : {StDtype::BF16, StDtype::F16}) {
    TempDir dir;
    writeFile(dir.file("w.safetensors"), mockWeightsFile(dt));
    ModuleHolder h;
    HYB_ASSERT_OK(
        hyb_module_bind_weights(h.m, dir.file("w.safetensors").c_str()));
    EXPECT_EQ(h.m->weights.copiedBytes, 32u);
    EXPECT_EQ(firstLogits(h.m),
              expectedLogits(dt == StDtype::BF16 ? HYB_DTYPE_BF16
                                                 : HYB_DTYPE_F16));
  }
}

TEST(WeightsTest, MisalignedDataIsCopied) {
  // A header of odd length puts the data at an odd offset.
  std::vector<float> w = mockWeight();
  std::string data(reinterpret_cast<const char *>(w.data()), 32);
  std::string header = R"({"lm_head.weight":{"dtype":"F32","shape":[8],)"
                       R"("data_offsets":[0,32]}} )";
  if ((8 + header.size()) % 4 == 0)
    header += " ";
  TempDir dir;
  writeFile(dir.file("w.safetensors"), rawSafetensors(header, data));
  ModuleHolder h;
  HYB_ASSERT_OK(hyb_module_bind_weights(h.m, dir.file("w.safetensors").c_str()));
  EXPECT_EQ(h.m->weights.copiedBytes, 32u);
  EXPECT_EQ(firstLogits(h.m), expectedLogits(HYB_DTYPE_F32));
}

TEST(WeightsTest, ShardedIndexAndDirectories) {
  TempDir dir;
  std::vector<float> w = mockWeight();
  float other = 1.0f;
  writeFile(dir.file("model-00001-of-00002.safetensors"),
            writeSafetensors({{"unused", StDtype::F32, {1}, &other, 4}}));
  writeFile(dir.file("model-00002-of-00002.safetensors"),
            mockWeightsFile());
  writeFile(dir.file("model.safetensors.index.json"),
            R"({"metadata":{"total_size":36},"weight_map":{)"
            R"("unused":"model-00001-of-00002.safetensors",)"
            R"("lm_head.weight":"model-00002-of-00002.safetensors"}})");
  {
    ModuleHolder h;
    HYB_ASSERT_OK(hyb_module_bind_weights(
        h.m, dir.file("model.safetensors.index.json").c_str()));
    EXPECT_EQ(firstLogits(h.m), expectedLogits(HYB_DTYPE_F32));
  }
  {
    ModuleHolder h; // the directory resolves to its index
    HYB_ASSERT_OK(hyb_module_bind_weights(h.m, dir.path().c_str()));
    EXPECT_EQ(firstLogits(h.m), expectedLogits(HYB_DTYPE_F32));
  }
  TempDir single;
  writeFile(single.file("model.safetensors"), mockWeightsFile(StDtype::BF16));
  {
    ModuleHolder h; // a directory with model.safetensors
    HYB_ASSERT_OK(hyb_module_bind_weights(h.m, single.path().c_str()));
    EXPECT_EQ(firstLogits(h.m), expectedLogits(HYB_DTYPE_BF16));
  }
  TempDir shards; // several files without an index: their union
  writeFile(shards.file("a.safetensors"),
            writeSafetensors({{"unused", StDtype::F32, {1}, &other, 4}}));
  writeFile(shards.file("b.safetensors"), mockWeightsFile());
  {
    ModuleHolder h;
    HYB_ASSERT_OK(hyb_module_bind_weights(h.m, shards.path().c_str()));
  }
}

StatusResult bindFile(const std::string &bytes) {
  TempDir dir;
  writeFile(dir.file("w.safetensors"), bytes);
  ModuleHolder h;
  return take(hyb_module_bind_weights(h.m, dir.file("w.safetensors").c_str()));
}

TEST(WeightsErrorTest, MissingTensorIsNamed) {
  StatusResult r = bindFile(mockWeightsFile(StDtype::F32, "lm_head.bias"));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
  EXPECT_NE(r.message.find("weight 'lm_head.weight' not found in"),
            std::string::npos)
      << r.message;
}

TEST(WeightsErrorTest, ShapeMismatch) {
  StatusResult r =
      bindFile(mockWeightsFile(StDtype::F32, "lm_head.weight", {9}));
  EXPECT_EQ(r.code, HYB_STATUS_MISMATCH);
  EXPECT_NE(r.message.find("'lm_head.weight'"), std::string::npos);
  EXPECT_NE(r.message.find("has shape [9], the manifest expects [8]"),
            std::string::npos)
      << r.message;
}

TEST(WeightsErrorTest, UnconvertibleDtype) {
  StatusResult r = bindFile(mockWeightsFile(StDtype::I64));
  EXPECT_EQ(r.code, HYB_STATUS_MISMATCH);
  EXPECT_NE(r.message.find("is I64, which cannot be converted to the manifest "
                           "dtype f32"),
            std::string::npos)
      << r.message;
}

TEST(WeightsErrorTest, MalformedFileFailsBeforeBinding) {
  TempDir dir;
  writeFile(dir.file("w.safetensors"), "garbage!");
  ModuleHolder h;
  // A good binding first; a failed rebind keeps it.
  writeFile(dir.file("good.safetensors"), mockWeightsFile());
  HYB_ASSERT_OK(
      hyb_module_bind_weights(h.m, dir.file("good.safetensors").c_str()));
  StatusResult r =
      take(hyb_module_bind_weights(h.m, dir.file("w.safetensors").c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_FORMAT);
  EXPECT_NE(r.message.find("w.safetensors"), std::string::npos) << r.message;
  EXPECT_EQ(hyb_module_weights_bound(h.m), 1);
  EXPECT_EQ(firstLogits(h.m), expectedLogits(HYB_DTYPE_F32));
}

TEST(WeightsErrorTest, IndexErrors) {
  TempDir dir;
  writeFile(dir.file("a.json"), R"({"weights": {}})");
  writeFile(dir.file("b.json"),
            R"({"weight_map": {"lm_head.weight": "missing.safetensors"}})");
  writeFile(dir.file("c.safetensors"), mockWeightsFile(StDtype::F32, "x"));
  writeFile(dir.file("c.json"),
            R"({"weight_map": {"lm_head.weight": "c.safetensors"}})");
  ModuleHolder h;
  StatusResult r = take(hyb_module_bind_weights(h.m, dir.file("a.json").c_str()));
  EXPECT_NE(r.message.find("'weight_map'"), std::string::npos) << r.message;
  r = take(hyb_module_bind_weights(h.m, dir.file("b.json").c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
  EXPECT_NE(r.message.find("missing.safetensors"), std::string::npos)
      << r.message;
  r = take(hyb_module_bind_weights(h.m, dir.file("c.json").c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
  EXPECT_NE(r.message.find("maps 'lm_head.weight'"), std::string::npos)
      << r.message;
}

TEST(WeightsErrorTest, EmptyDirectoryAndMissingPath) {
  TempDir dir;
  ModuleHolder h;
  StatusResult r = take(hyb_module_bind_weights(h.m, dir.path().c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
  EXPECT_NE(r.message.find("no .safetensors file"), std::string::npos);
  r = take(hyb_module_bind_weights(h.m, "/nonexistent/weights"));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
  EXPECT_NE(r.message.find("/nonexistent/weights"), std::string::npos);
}

TEST(WeightsErrorTest, FifoIsRefusedWithoutBlocking) {
  TempDir dir;
  // As a --weights path, as a directory entry and as an index's shard.
  std::string fifo = dir.file("model.safetensors");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  writeFile(dir.file("index.json"),
            R"({"weight_map": {"lm_head.weight": "model.safetensors"}})");
  BlockingWatchdog watchdog(10);
  ModuleHolder h;
  StatusResult r = take(hyb_module_bind_weights(h.m, fifo.c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(r.message, "weights path " + fifo +
                           " is a FIFO, not a safetensors file, sharded index "
                           "or directory");
  r = take(hyb_module_bind_weights(h.m, dir.file("index.json").c_str()));
  EXPECT_NE(r.message.find(fifo + ": is a FIFO, not a regular file"),
            std::string::npos)
      << r.message;
  r = take(hyb_module_bind_weights(h.m, "/dev/zero"));
  EXPECT_EQ(r.message, "weights path /dev/zero is a character device, not a "
                       "safetensors file, sharded index or directory");
}

TEST(WeightsErrorTest, DuplicateAcrossFiles) {
  TempDir dir;
  writeFile(dir.file("a.safetensors"), mockWeightsFile());
  writeFile(dir.file("b.safetensors"), mockWeightsFile());
  ModuleHolder h;
  StatusResult r = take(hyb_module_bind_weights(h.m, dir.path().c_str()));
  EXPECT_NE(r.message.find("'lm_head.weight' is in both"), std::string::npos)
      << r.message;
}

} // namespace

namespace {

/// A safetensors file with q [2, 3] = 0..5 and k [1, 3] = 10..12 (f32).
std::string packedPartsFile() {
  std::string header =
      R"({"q":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("k":{"dtype":"F32","shape":[1,3],"data_offsets":[24,36]}})";
  std::vector<float> values = {0, 1, 2, 3, 4, 5, 10, 11, 12};
  return rawSafetensors(header,
                        std::string(reinterpret_cast<const char *>(values.data()),
                                    values.size() * sizeof(float)));
}

Manifest packedManifest(std::vector<int64_t> shape, hyb_dtype_t dtype) {
  Manifest manifest;
  TensorDecl decl;
  decl.name = "q+k";
  decl.dtype = dtype;
  decl.shape = shape;
  decl.numElements = uint64_t(shape[0] * shape[1]);
  decl.numBytes = decl.numElements * dtypeSize(dtype);
  decl.parts = {"q", "k"};
  decl.partRows = {2, shape[0] - 2};
  manifest.weights.push_back(decl);
  return manifest;
}

} // namespace

TEST(WeightsTest, PackedPartsAreConcatenatedByRows) {
  TempDir dir;
  writeFile(dir.file("w.safetensors"), packedPartsFile());
  std::unique_ptr<Backend> backend;
  HYB_ASSERT_OK(createBackend(HYB_DEVICE_CPU, BackendOptions(), &backend));
  for (hyb_dtype_t dtype : {HYB_DTYPE_F32, HYB_DTYPE_BF16}) {
    WeightBinding binding;
    HYB_ASSERT_OK(bindWeights(packedManifest({3, 3}, dtype), *backend,
                              dir.file("w.safetensors"), &binding));
    ASSERT_EQ(binding.buffers.size(), 1u);
    std::vector<float> got(9);
    convertFloats(binding.buffers[0].ptr, dtype, got.data(), HYB_DTYPE_F32, 9);
    EXPECT_EQ(got, (std::vector<float>{0, 1, 2, 3, 4, 5, 10, 11, 12}));
    releaseWeights(*backend, binding);
  }
}

TEST(WeightsErrorTest, PackedPartsMustAddUp) {
  TempDir dir;
  writeFile(dir.file("w.safetensors"), packedPartsFile());
  std::unique_ptr<Backend> backend;
  HYB_ASSERT_OK(createBackend(HYB_DEVICE_CPU, BackendOptions(), &backend));
  WeightBinding binding;
  auto rows = take(bindWeights(packedManifest({4, 3}, HYB_DTYPE_F32), *backend,
                               dir.file("w.safetensors"), &binding));
  EXPECT_EQ(rows.code, HYB_STATUS_MISMATCH);
  EXPECT_NE(rows.message.find("weight 'k' in "), std::string::npos);
  EXPECT_NE(rows.message.find("has 1 rows, 'q+k' packs 2 of it"),
            std::string::npos);
  auto cols = take(bindWeights(packedManifest({3, 4}, HYB_DTYPE_F32), *backend,
                               dir.file("w.safetensors"), &binding));
  EXPECT_EQ(cols.code, HYB_STATUS_MISMATCH);
  EXPECT_NE(cols.message.find("weight 'q' in "), std::string::npos);
  EXPECT_NE(cols.message.find("does not pack into 'q+k' [3, 4]"),
            std::string::npos);
  Manifest missing = packedManifest({3, 3}, HYB_DTYPE_F32);
  missing.weights[0].parts = {"q", "v"};
  auto absent = take(bindWeights(missing, *backend, dir.file("w.safetensors"),
                                 &binding));
  EXPECT_EQ(absent.code, HYB_STATUS_NOT_FOUND);
  EXPECT_NE(absent.message.find("weight 'v' not found"), std::string::npos);
}

// The one function hybridc writes model.config_hash with and the runtime
// checks weights directories with: FNV-1a 64 (the published test vectors),
// spelled fnv1a64:<16 hex digits>.
TEST(ConfigHashTest, IsFnv1a64OfTheBytes) {
  EXPECT_EQ(ConfigHash::ofBytes("", 0).str(), "fnv1a64:cbf29ce484222325");
  EXPECT_EQ(ConfigHash::ofBytes("a", 1).str(), "fnv1a64:af63dc4c8601ec8c");
  EXPECT_EQ(ConfigHash::ofBytes("foobar", 6).str(),
            "fnv1a64:85944171f73967e8");
  TempDir dir;
  writeFile(dir.file("config.json"), "foobar");
  ConfigHash h = ConfigHash::ofBytes("", 0);
  HYB_ASSERT_OK(ConfigHash::ofFile(dir.file("config.json"), &h));
  EXPECT_EQ(h, ConfigHash::ofBytes("foobar", 6));
  StatusResult r = take(ConfigHash::ofFile(dir.file("absent.json"), &h));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
}

TEST(ConfigHashTest, ParsesWhatItPrints) {
  ConfigHash h = ConfigHash::ofBytes("a", 1);
  ASSERT_TRUE(ConfigHash::parse(h.str()));
  EXPECT_EQ(*ConfigHash::parse(h.str()), h);
  EXPECT_EQ(ConfigHash::parse("fnv1a64:DEADbeef")->value(), 0xdeadbeefu);
  for (const char *bad : {"", "fnv1a64:", "fnv1a64:12345678901234567",
                          "fnv1a64:12g4", "sha256:00", "fnv1a64: 1"})
    EXPECT_FALSE(ConfigHash::parse(bad)) << bad;
}

// A weights directory whose config.json is not the artifact's config (the
// mock's manifest says fnv1a64:00000000deadbeef) is refused before anything
// is bound, naming the directory and both hashes; the flag binds it; a
// directory without config.json, or a file path, is not checked.
TEST(WeightsErrorTest, ConfigOfAnotherModelIsRefused) {
  TempDir dir;
  writeFile(dir.file("model.safetensors"), mockWeightsFile());
  writeFile(dir.file("config.json"), R"({"rope_theta": 1000000.0})");
  const std::string found =
      ConfigHash::ofBytes(R"({"rope_theta": 1000000.0})", 25).str();
  ModuleHolder h;
  StatusResult r = take(hyb_module_bind_weights(h.m, dir.path().c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_MISMATCH);
  EXPECT_EQ(r.message,
            "weights directory " + dir.path() + " is not the model " +
                HYB_TEST_ARTIFACT + " was compiled from: its config.json has "
                "config_hash " + found + ", the artifact's model 'mock' has "
                "config_hash fnv1a64:00000000deadbeef (hybrid-run "
                "--ignore-config-hash, or HYB_BIND_IGNORE_CONFIG_HASH, binds "
                "it anyway)");
  EXPECT_FALSE(hyb_module_weights_bound(h.m));

  HYB_ASSERT_OK(hyb_module_bind_weights(
      h.m, dir.file("model.safetensors").c_str()));
  HYB_ASSERT_OK(hyb_module_bind_weights_with_flags(
      h.m, dir.path().c_str(), HYB_BIND_IGNORE_CONFIG_HASH));
  EXPECT_EQ(firstLogits(h.m), expectedLogits(HYB_DTYPE_F32));

  // A refused directory keeps the binding there was.
  r = take(hyb_module_bind_weights(h.m, dir.path().c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_MISMATCH);
  EXPECT_TRUE(hyb_module_weights_bound(h.m));

  r = take(hyb_module_bind_weights_with_flags(h.m, dir.path().c_str(), 6));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(r.message, "hyb_module_bind_weights: unknown flags 6");

  ASSERT_EQ(unlink(dir.file("config.json").c_str()), 0);
  HYB_ASSERT_OK(hyb_module_bind_weights(h.m, dir.path().c_str()));
}

// A config.json that is a FIFO or a directory cannot be hashed: refused
// (without blocking), not skipped.
TEST(WeightsErrorTest, ConfigThatIsNotAFileIsRefused) {
  TempDir dir;
  writeFile(dir.file("model.safetensors"), mockWeightsFile());
  ASSERT_EQ(mkfifo(dir.file("config.json").c_str(), 0600), 0);
  BlockingWatchdog watchdog(10);
  ModuleHolder h;
  StatusResult r = take(hyb_module_bind_weights(h.m, dir.path().c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(r.message, "weights directory " + dir.path() +
                           ": cannot check its config against " +
                           HYB_TEST_ARTIFACT + ": " + dir.file("config.json") +
                           ": is a FIFO, not a regular file");
}
