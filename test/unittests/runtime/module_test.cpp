//===- module_test.cpp - Loading artifacts --------------------------------===//

#include "test_util.h"

#include <algorithm>
#include <cstring>
#include <dlfcn.h>
#include <sys/stat.h>

using namespace hyb;
using namespace hyb::test;

extern "C" int hyb_test_c_api_generate(const char *artifact,
                                       const char *weights,
                                       int64_t *out_tokens, char *error,
                                       size_t size);
extern "C" int hyb_test_c_api_call(const char *artifact, const char *weights,
                                   float *out_logits);

namespace {

TEST(ModuleTest, CApiFromC) {
  TempDir dir;
  writeFile(dir.file("w.safetensors"), mockWeightsFile());
  int64_t tokens[4] = {-1, -1, -1, -1};
  char error[512] = "";
  ASSERT_EQ(hyb_test_c_api_generate(HYB_TEST_ARTIFACT,
                                    dir.file("w.safetensors").c_str(), tokens,
                                    error, sizeof(error)),
            0)
      << error;
  MockModel ref;
  std::vector<float> row;
  for (int64_t t : {1, 2, 3})
    row = ref.step(t);
  for (int i = 0; i < 4; ++i) {
    int64_t next = std::max_element(row.begin(), row.end()) - row.begin();
    EXPECT_EQ(tokens[i], next);
    row = ref.step(next);
  }
  EXPECT_EQ(hyb_test_c_api_generate("/nonexistent.so", "x", tokens, error,
                                    sizeof(error)),
            1);
  EXPECT_NE(std::string(error).find("NOT_FOUND: /nonexistent.so"),
            std::string::npos)
      << error;
}

TEST(ModuleTest, GenericCallFromC) {
  TempDir dir;
  writeFile(dir.file("w.safetensors"), mockWeightsFile());
  std::vector<float> logits(24, -1.0f);
  ASSERT_EQ(hyb_test_c_api_call(HYB_TEST_ARTIFACT,
                                dir.file("w.safetensors").c_str(),
                                logits.data()),
            0);
  MockModel ref;
  for (int t = 0; t < 3; ++t)
    EXPECT_EQ(std::vector<float>(logits.begin() + t * 8,
                                 logits.begin() + (t + 1) * 8),
              ref.step(t + 1));
}

TEST(ModuleTest, LoadsTheMockArtifact) {
  hyb_module_t *m = nullptr;
  HYB_ASSERT_OK(hyb_module_load(HYB_TEST_ARTIFACT, &m));
  EXPECT_EQ(hyb_module_vocab_size(m), 8);
  EXPECT_EQ(hyb_module_max_seq(m), 16);
  EXPECT_STREQ(hyb_module_model_name(m), "mock");
  EXPECT_STREQ(hyb_module_config_hash(m), "fnv1a64:00000000deadbeef");
  EXPECT_STREQ(hyb_module_target_kind(m), "cpu");
  EXPECT_NE(std::strstr(hyb_module_manifest_json(m), "\"hybridc-artifact\""),
            nullptr);
  EXPECT_EQ(hyb_module_has_entry_point(m, "prefill"), 1);
  EXPECT_EQ(hyb_module_has_entry_point(m, "decode"), 1);
  EXPECT_EQ(hyb_module_has_entry_point(m, "decode_greedy"), 0);
  EXPECT_EQ(hyb_module_weight_count(m), 1);
  EXPECT_EQ(hyb_module_weight_bytes(m), 32u);
  EXPECT_EQ(hyb_module_weights_bound(m), 0);
  ASSERT_EQ(hyb_module_state_count(m), 2);
  hyb_tensor_info_t info;
  HYB_ASSERT_OK(hyb_module_state_info(m, 1, &info));
  EXPECT_STREQ(info.name, "layers.1.cache");
  EXPECT_EQ(info.dtype, HYB_DTYPE_F32);
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.shape[0], 16);
  EXPECT_EQ(info.shape[1], 2);
  EXPECT_EQ(info.layer, 1);
  EXPECT_EQ(info.size_bytes, 128u);
  HYB_ASSERT_OK(hyb_module_weight_info(m, 0, &info));
  EXPECT_STREQ(info.name, "lm_head.weight");
  StatusResult r = take(hyb_module_state_info(m, 2, &info));
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_RANGE);
  EXPECT_NE(r.message.find("state index 2"), std::string::npos);
  hyb_module_free(m);
}

TEST(ModuleTest, GreedyVariantHasDecodeGreedy) {
  hyb_module_t *m = nullptr;
  HYB_ASSERT_OK(hyb_module_load(HYB_TEST_ARTIFACT_GREEDY, &m));
  EXPECT_EQ(hyb_module_has_entry_point(m, "decode_greedy"), 1);
  hyb_module_free(m);
}

TEST(ModuleTest, MissingFile) {
  hyb_module_t *m = nullptr;
  StatusResult r = take(hyb_module_load("/nonexistent/model.so", &m));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
  EXPECT_NE(r.message.find("/nonexistent/model.so"), std::string::npos)
      << r.message;
  EXPECT_EQ(m, nullptr);
}

TEST(ModuleTest, NotAnArtifact) {
  hyb_module_t *m = nullptr;
  StatusResult r = take(hyb_module_load("/lib/x86_64-linux-gnu/libm.so.6", &m));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
  EXPECT_NE(r.message.find("no symbol 'hybrid_artifact_manifest'"),
            std::string::npos)
      << r.message;
}

TEST(ModuleTest, TruncatedArtifactIsRefusedBeforeDlopen) {
  // An interrupted copy: dlopen would map the missing pages and die of
  // SIGBUS on first touch, so each cut must be an error instead.
  std::string whole = readFile(HYB_TEST_ARTIFACT);
  ASSERT_GT(whole.size(), 4096u);
  TempDir dir;
  std::string path = dir.file("cut.so");
  struct Cut {
    size_t size;
    const char *where;
  };
  for (Cut cut : {Cut{2, "an ELF file starts with a 4-byte magic"},
                  Cut{40, "the ELF header needs 64"},
                  Cut{whole.size() / 2, "PT_LOAD segment "},
                  Cut{whole.size() - 1, "its section header table takes "}}) {
    writeFile(path, whole.substr(0, cut.size));
    hyb_module_t *m = nullptr;
    StatusResult r = take(hyb_module_load(path.c_str(), &m));
    EXPECT_EQ(r.code, HYB_STATUS_INVALID_FORMAT) << r.message;
    EXPECT_EQ(r.message.find(path + ": truncated artifact (interrupted "
                                    "copy?): the file has " +
                             std::to_string(cut.size) + " bytes, but " +
                             cut.where),
              0u)
        << r.message;
    EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
    EXPECT_EQ(m, nullptr);
  }
}

TEST(ModuleTest, FifoArtifactIsRefusedWithoutBlocking) {
  TempDir dir;
  std::string fifo = dir.file("model.so");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  BlockingWatchdog watchdog(10);
  hyb_module_t *m = nullptr;
  StatusResult r = take(hyb_module_load(fifo.c_str(), &m));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(r.message, fifo + ": is a FIFO, not a regular file");
}

TEST(ModuleTest, RejectsUnknownManifestVersion) {
  hyb_module_t *m = nullptr;
  StatusResult r = take(hyb_module_load(HYB_TEST_ARTIFACT_V1, &m));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_FORMAT);
  EXPECT_NE(r.message.find(HYB_TEST_ARTIFACT_V1), std::string::npos);
  EXPECT_NE(r.message.find("manifest version 1 is not supported"),
            std::string::npos)
      << r.message;
  // The message says what this runtime reads and what to do.
  EXPECT_NE(r.message.find("this runtime reads version 2"), std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("recompile the model with a hybridc"),
            std::string::npos)
      << r.message;
}

/// Whether this machine has a CUDA driver (then the tests of a runtime
/// without one do not apply).
bool haveCudaDriver() {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib)
    dlclose(lib);
  return lib != nullptr;
}

#ifdef HYBRIDRT_HAVE_CUDA
TEST(ModuleTest, CudaWithoutDriverFailsWithOneLineNamingLibcuda) {
  if (haveCudaDriver())
    GTEST_SKIP() << "this machine has a CUDA driver";
  hyb_module_options_t o;
  hyb_module_options_init(&o);
  o.device = HYB_DEVICE_CUDA;
  for (const char *artifact : {HYB_TEST_ARTIFACT, HYB_TEST_CUDA_ARTIFACT}) {
    hyb_module_t *m = nullptr;
    StatusResult r = take(hyb_module_load_with_options(artifact, &o, &m));
    EXPECT_EQ(r.code, HYB_STATUS_UNIMPLEMENTED) << r.message;
    EXPECT_NE(r.message.find("libcuda.so.1"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
    EXPECT_EQ(m, nullptr);
  }
  // HYB_DEVICE_AUTO picks the CUDA backend for a CUDA artifact.
  o.device = HYB_DEVICE_AUTO;
  hyb_module_t *m = nullptr;
  StatusResult r =
      take(hyb_module_load_with_options(HYB_TEST_CUDA_ARTIFACT, &o, &m));
  EXPECT_NE(r.message.find("libcuda.so.1"), std::string::npos) << r.message;
}
#else
TEST(ModuleTest, CudaBackendNotBuilt) {
  hyb_module_options_t o;
  hyb_module_options_init(&o);
  o.device = HYB_DEVICE_CUDA;
  hyb_module_t *m = nullptr;
  StatusResult r =
      take(hyb_module_load_with_options(HYB_TEST_ARTIFACT, &o, &m));
  EXPECT_EQ(r.code, HYB_STATUS_UNIMPLEMENTED);
  EXPECT_NE(r.message.find("cuda backend not built"), std::string::npos);
}
#endif

TEST(ModuleTest, AutoDeviceRunsCpuArtifactsOnTheCpu) {
  // A runtime with the CUDA backend built runs CPU artifacts as before,
  // driver or not.
  hyb_module_options_t o;
  hyb_module_options_init(&o);
  o.device = HYB_DEVICE_AUTO;
  hyb_module_t *m = nullptr;
  ASSERT_EQ(take(hyb_module_load_with_options(HYB_TEST_ARTIFACT, &o, &m)).code,
            HYB_STATUS_OK);
  EXPECT_STREQ(hyb_module_target_kind(m), "cpu");
  ASSERT_EQ(take(hyb_module_generate_weights(m, 1)).code, HYB_STATUS_OK);
  hyb_session_t *s = nullptr;
  ASSERT_EQ(take(hyb_session_create(m, nullptr, &s)).code, HYB_STATUS_OK);
  int64_t tokens[3] = {1, 2, 3};
  float logits[3 * 8];
  EXPECT_EQ(take(hyb_session_prefill(s, tokens, 3, logits)).code,
            HYB_STATUS_OK);
  EXPECT_EQ(hyb_session_position(s, 0), 3);
  hyb_session_free(s);
  hyb_module_free(m);
}

TEST(ModuleTest, CpuBackendRefusesCudaArtifact) {
  hyb_module_t *m = nullptr;
  StatusResult r = take(hyb_module_load(HYB_TEST_CUDA_ARTIFACT, &m));
  EXPECT_EQ(r.code, HYB_STATUS_MISMATCH) << r.message;
  EXPECT_NE(r.message.find("targets 'cuda' but the cpu backend"),
            std::string::npos)
      << r.message;
}

TEST(ModuleTest, BareFileNameIsRelativeToTheWorkingDirectory) {
  // "libm.so.6" would be found on the library path by dlopen; as an artifact
  // path it names ./libm.so.6, which does not exist.
  hyb_module_t *m = nullptr;
  StatusResult r = take(hyb_module_load("libm.so.6", &m));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
  EXPECT_EQ(r.message.find("./libm.so.6: cannot open: "), 0u) << r.message;
}

TEST(ModuleTest, ThreadsOptionIsAccepted) {
  hyb_module_options_t o;
  hyb_module_options_init(&o);
  o.num_threads = 2;
  hyb_module_t *m = nullptr;
  HYB_ASSERT_OK(hyb_module_load_with_options(HYB_TEST_ARTIFACT, &o, &m));
  hyb_module_free(m);
}

TEST(ModuleTest, NullArguments) {
  StatusResult r = take(hyb_module_load(nullptr, nullptr));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  hyb_module_free(nullptr);
  EXPECT_EQ(hyb_status_code(nullptr), HYB_STATUS_OK);
  EXPECT_STREQ(hyb_status_message(nullptr), "OK");
  EXPECT_STREQ(hyb_status_code_name(HYB_STATUS_MISMATCH), "MISMATCH");
}

TEST(ModuleTest, SessionBeforeWeightsFails) {
  hyb_module_t *m = nullptr;
  HYB_ASSERT_OK(hyb_module_load(HYB_TEST_ARTIFACT, &m));
  hyb_session_t *s = nullptr;
  StatusResult r = take(hyb_session_create(m, nullptr, &s));
  EXPECT_EQ(r.code, HYB_STATUS_FAILED_PRECONDITION);
  EXPECT_NE(r.message.find("weights are not bound"), std::string::npos);
  hyb_module_free(m);
}

} // namespace
