//===- session_test.cpp - Sessions against the mock artifact --------------===//

#include "test_util.h"

#include <dlfcn.h>

#include <cstring>

using namespace hyb;
using namespace hyb::test;

namespace {

/// The mock artifact's counters (the runtime dlopens the same file, so this
/// handle refers to the same loaded library).
struct MockCounters {
  int64_t *calls, *descriptorErrors, *positionErrors;
  explicit MockCounters(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    EXPECT_NE(h, nullptr) << path << " is not loaded";
    calls = static_cast<int64_t *>(dlsym(h, "mock_calls"));
    descriptorErrors = static_cast<int64_t *>(dlsym(h, "mock_descriptor_errors"));
    positionErrors = static_cast<int64_t *>(dlsym(h, "mock_position_errors"));
    dlclose(h);
  }
};

class SessionTest : public ::testing::Test {
protected:
  void SetUp() override { load(HYB_TEST_ARTIFACT); }
  void TearDown() override {
    for (auto *s : sessions_)
      hyb_session_free(s);
    if (module_) {
      MockCounters c(artifact_.c_str());
      EXPECT_EQ(*c.descriptorErrors, 0) << "malformed descriptors";
      EXPECT_EQ(*c.positionErrors, 0) << "positions disagree with state";
    }
    hyb_module_free(module_);
  }

  void load(const char *artifact) {
    artifact_ = artifact;
    HYB_ASSERT_OK(hyb_module_load(artifact, &module_));
    writeFile(dir_.file("w.safetensors"), mockWeightsFile());
    HYB_ASSERT_OK(
        hyb_module_bind_weights(module_, dir_.file("w.safetensors").c_str()));
  }

  hyb_session_t *create(int64_t batch = 1) {
    hyb_session_options_t o;
    hyb_session_options_init(&o);
    o.batch_size = batch;
    hyb_session_t *s = nullptr;
    hyb_status_t st = hyb_session_create(module_, &o, &s);
    EXPECT_EQ(st, nullptr) << hyb_status_message(st);
    sessions_.push_back(s);
    return s;
  }

  hyb_session_t *adopt(hyb_session_t *s) {
    sessions_.push_back(s);
    return s;
  }

  /// Every state buffer's bytes.
  std::vector<std::string> snapshot(hyb_session_t *s) {
    std::vector<std::string> out;
    for (int64_t i = 0; i < hyb_module_state_count(module_); ++i) {
      hyb_tensor_info_t info;
      hyb_status_free(hyb_module_state_info(module_, i, &info));
      std::string bytes(info.size_bytes * uint64_t(hyb_session_batch_size(s)),
                        '\0');
      hyb_status_t st =
          hyb_session_read_state(s, i, bytes.data(), bytes.size());
      EXPECT_EQ(st, nullptr) << hyb_status_message(st);
      out.push_back(bytes);
    }
    return out;
  }

  std::vector<float> decode(hyb_session_t *s, std::vector<int64_t> tokens) {
    std::vector<float> logits(tokens.size() * 8);
    hyb_status_t st = hyb_session_decode(s, tokens.data(), logits.data());
    EXPECT_EQ(st, nullptr) << hyb_status_message(st);
    return logits;
  }

  std::string artifact_;
  TempDir dir_;
  hyb_module_t *module_ = nullptr;
  std::vector<hyb_session_t *> sessions_;
};

TEST_F(SessionTest, PrefillMatchesTheReferenceModel) {
  hyb_session_t *s = create(2);
  std::vector<int64_t> tokens = {1, 2, 3, 4, 7, 0, 5, 5};
  std::vector<float> logits(2 * 4 * 8, -1.0f);
  HYB_ASSERT_OK(hyb_session_prefill(s, tokens.data(), 4, logits.data()));
  for (int b = 0; b < 2; ++b) {
    MockModel ref;
    for (int t = 0; t < 4; ++t) {
      std::vector<float> row = ref.step(tokens[size_t(b * 4 + t)]);
      EXPECT_EQ(std::vector<float>(logits.begin() + (b * 4 + t) * 8,
                                   logits.begin() + (b * 4 + t + 1) * 8),
                row)
          << "b=" << b << " t=" << t;
    }
  }
  EXPECT_EQ(hyb_session_position(s, 0), 4);
  EXPECT_EQ(hyb_session_position(s, 1), 4);
  EXPECT_EQ(hyb_session_position(s, 2), -1);
  int64_t positions[2];
  hyb_session_positions(s, positions);
  EXPECT_EQ(positions[1], 4);
}

TEST_F(SessionTest, PrefillWithoutLogitsAndChunkedEqualsWhole) {
  hyb_session_t *whole = create();
  hyb_session_t *chunked = create();
  std::vector<int64_t> tokens = {3, 1, 4, 1, 5, 2};
  std::vector<float> a(6 * 8), b(3 * 8);
  HYB_ASSERT_OK(hyb_session_prefill(whole, tokens.data(), 6, a.data()));
  HYB_ASSERT_OK(hyb_session_prefill(chunked, tokens.data(), 3, nullptr));
  HYB_ASSERT_OK(hyb_session_prefill(chunked, tokens.data() + 3, 3, b.data()));
  EXPECT_EQ(std::vector<float>(a.begin() + 24, a.end()), b);
  EXPECT_EQ(snapshot(whole), snapshot(chunked));
}

TEST_F(SessionTest, DecodeEqualsPrefill) {
  hyb_session_t *p = create();
  hyb_session_t *d = create();
  std::vector<int64_t> tokens = {6, 2, 7};
  std::vector<float> all(3 * 8);
  HYB_ASSERT_OK(hyb_session_prefill(p, tokens.data(), 3, all.data()));
  HYB_ASSERT_OK(hyb_session_prefill(d, tokens.data(), 1, nullptr));
  EXPECT_EQ(decode(d, {2}), std::vector<float>(all.begin() + 8, all.begin() + 16));
  EXPECT_EQ(decode(d, {7}), std::vector<float>(all.begin() + 16, all.end()));
  EXPECT_EQ(hyb_session_position(d, 0), 3);
}

TEST_F(SessionTest, PositionPastMaxSeqFailsWithoutWriting) {
  hyb_session_t *s = create(2);
  std::vector<int64_t> tokens(2 * 10, 1);
  HYB_ASSERT_OK(hyb_session_prefill(s, tokens.data(), 10, nullptr));
  MockCounters c(HYB_TEST_ARTIFACT);
  int64_t callsBefore = *c.calls;
  auto before = snapshot(s);
  std::vector<float> logits(2 * 7 * 8, 42.0f);
  StatusResult r = take(hyb_session_prefill(s, tokens.data(), 7, logits.data()));
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_RANGE);
  EXPECT_NE(r.message.find("sequence 0: position 10 + 7 tokens = 17 exceeds "
                           "max_seq 16"),
            std::string::npos)
      << r.message;
  EXPECT_EQ(*c.calls, callsBefore);
  EXPECT_EQ(snapshot(s), before);
  EXPECT_EQ(hyb_session_position(s, 0), 10);
  for (float f : logits)
    ASSERT_EQ(f, 42.0f);
  // Exactly up to max_seq is fine, then one more decode is not.
  HYB_ASSERT_OK(hyb_session_prefill(s, tokens.data(), 6, nullptr));
  EXPECT_EQ(hyb_session_position(s, 0), 16);
  std::vector<int64_t> one = {1, 1};
  r = take(hyb_session_decode(s, one.data(), nullptr));
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_RANGE);
  EXPECT_NE(r.message.find("exceeds max_seq 16"), std::string::npos);
  r = take(hyb_session_prefill(s, tokens.data(), INT64_MAX, nullptr));
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_RANGE);
}

TEST_F(SessionTest, BadTokenIdFailsWithoutRunning) {
  hyb_session_t *s = create(2);
  MockCounters c(HYB_TEST_ARTIFACT);
  int64_t callsBefore = *c.calls;
  std::vector<int64_t> tokens = {1, 2, 3, 8};
  StatusResult r = take(hyb_session_prefill(s, tokens.data(), 2, nullptr));
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_RANGE);
  EXPECT_NE(r.message.find("token id 8 at sequence 1, index 1 (position 1) is "
                           "outside [0, 8)"),
            std::string::npos)
      << r.message;
  std::vector<int64_t> neg = {-1, 0};
  r = take(hyb_session_decode(s, neg.data(), nullptr));
  EXPECT_NE(r.message.find("token id -1"), std::string::npos) << r.message;
  EXPECT_EQ(*c.calls, callsBefore);
  EXPECT_EQ(hyb_session_position(s, 0), 0);
  r = take(hyb_session_prefill(s, tokens.data(), 0, nullptr));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
}

TEST_F(SessionTest, ForkContinuesIdenticallyAndIndependently) {
  hyb_session_t *s = create(2);
  std::vector<int64_t> tokens = {1, 2, 3, 4, 5, 6};
  HYB_ASSERT_OK(hyb_session_prefill(s, tokens.data(), 3, nullptr));
  hyb_session_t *f = nullptr;
  HYB_ASSERT_OK(hyb_session_fork(s, &f));
  adopt(f);
  EXPECT_EQ(hyb_session_position(f, 1), 3);
  EXPECT_EQ(snapshot(f), snapshot(s));
  EXPECT_EQ(decode(s, {7, 0}), decode(f, {7, 0}));
  EXPECT_EQ(decode(s, {2, 2}), decode(f, {2, 2}));
  // Diverge: the fork's state does not move with the original.
  auto forkState = snapshot(f);
  decode(s, {5, 5});
  EXPECT_EQ(snapshot(f), forkState);
  EXPECT_EQ(hyb_session_position(s, 0), 6);
  EXPECT_EQ(hyb_session_position(f, 0), 5);
}

TEST_F(SessionTest, SaveLoadContinuesIdentically) {
  hyb_session_t *s = create(2);
  std::vector<int64_t> tokens = {1, 2, 3, 4, 5, 6, 7, 0};
  HYB_ASSERT_OK(hyb_session_prefill(s, tokens.data(), 4, nullptr));
  std::string path = dir_.file("state.bin");
  HYB_ASSERT_OK(hyb_session_save(s, path.c_str()));
  hyb_session_t *t = create(2);
  HYB_ASSERT_OK(hyb_session_load(t, path.c_str()));
  EXPECT_EQ(hyb_session_position(t, 0), 4);
  EXPECT_EQ(hyb_session_position(t, 1), 4);
  EXPECT_EQ(snapshot(t), snapshot(s));
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(decode(s, {i, 7 - i}), decode(t, {i, 7 - i}));
}

TEST_F(SessionTest, LoadRejectsMismatchesAndLeavesTheSessionAlone) {
  hyb_session_t *s = create(2);
  std::vector<int64_t> tokens = {1, 2, 3, 4};
  HYB_ASSERT_OK(hyb_session_prefill(s, tokens.data(), 2, nullptr));
  std::string good = dir_.file("good.bin");
  HYB_ASSERT_OK(hyb_session_save(s, good.c_str()));
  std::string bytes = readFile(good);

  hyb_session_t *target = create(2);
  HYB_ASSERT_OK(hyb_session_prefill(target, tokens.data(), 1, nullptr));
  auto before = snapshot(target);
  auto tryLoad = [&](const std::string &data) {
    std::string path = dir_.file("bad.bin");
    writeFile(path, data);
    return take(hyb_session_load(target, path.c_str()));
  };

  StatusResult r = tryLoad("NOTSTATE" + bytes.substr(8));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_FORMAT);
  EXPECT_NE(r.message.find("bad magic"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("bad.bin"), std::string::npos) << r.message;

  std::string v2 = bytes;
  v2[8] = 2;
  r = tryLoad(v2);
  EXPECT_NE(r.message.find("session file version 2 is not supported"),
            std::string::npos)
      << r.message;

  r = tryLoad(bytes.substr(0, bytes.size() - 20));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_FORMAT);
  EXPECT_NE(r.message.find("truncated at byte"), std::string::npos)
      << r.message;

  std::string flipped = bytes;
  flipped[flipped.size() - 12] ^= 0x40; // inside the last buffer's data
  r = tryLoad(flipped);
  EXPECT_NE(r.message.find("checksum mismatch"), std::string::npos)
      << r.message;

  r = tryLoad(bytes + "x");
  EXPECT_NE(r.message.find("trailing bytes"), std::string::npos) << r.message;

  hyb_session_t *single = create(1);
  r = take(hyb_session_load(single, good.c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_MISMATCH);
  EXPECT_NE(r.message.find("batch size 2 in the file, the session has 1"),
            std::string::npos)
      << r.message;

  r = take(hyb_session_load(target, dir_.file("absent.bin").c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);

  EXPECT_EQ(snapshot(target), before);
  EXPECT_EQ(hyb_session_position(target, 0), 1);
}

TEST_F(SessionTest, LoadRejectsAnotherModel) {
  hyb_session_t *s = create();
  std::string path = dir_.file("mock.bin");
  HYB_ASSERT_OK(hyb_session_save(s, path.c_str()));
  hyb_module_t *other = nullptr;
  HYB_ASSERT_OK(hyb_module_load(HYB_TEST_ARTIFACT_GREEDY, &other));
  HYB_ASSERT_OK(
      hyb_module_bind_weights(other, dir_.file("w.safetensors").c_str()));
  hyb_session_t *t = nullptr;
  HYB_ASSERT_OK(hyb_session_create(other, nullptr, &t));
  StatusResult r = take(hyb_session_load(t, path.c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_MISMATCH);
  EXPECT_NE(r.message.find("saved by model 'mock' (config_hash "
                           "fnv1a64:00000000deadbeef), but this module is "
                           "'mock-greedy'"),
            std::string::npos)
      << r.message;
  hyb_session_free(t);
  hyb_module_free(other);
}

TEST_F(SessionTest, ResetZeroesStateAndPositions) {
  hyb_session_t *s = create();
  hyb_session_t *fresh = create();
  std::vector<int64_t> tokens = {4, 4, 1};
  std::vector<float> first(24), again(24);
  HYB_ASSERT_OK(hyb_session_prefill(s, tokens.data(), 3, first.data()));
  HYB_ASSERT_OK(hyb_session_reset(s));
  EXPECT_EQ(hyb_session_position(s, 0), 0);
  EXPECT_EQ(snapshot(s), snapshot(fresh));
  HYB_ASSERT_OK(hyb_session_prefill(s, tokens.data(), 3, again.data()));
  EXPECT_EQ(first, again);
}

TEST_F(SessionTest, GenerateGreedyMatchesManualDecoding) {
  hyb_session_t *s = create(2);
  std::vector<int64_t> prompt = {1, 2, 3, 0, 0, 7};
  std::vector<int64_t> out(2 * 5, -1);
  HYB_ASSERT_OK(
      hyb_session_generate_greedy(s, prompt.data(), 3, 5, out.data()));
  EXPECT_EQ(hyb_session_position(s, 0), 3 + 5 - 1);
  for (int b = 0; b < 2; ++b) {
    MockModel ref;
    std::vector<float> row;
    for (int t = 0; t < 3; ++t)
      row = ref.step(prompt[size_t(b * 3 + t)]);
    for (int i = 0; i < 5; ++i) {
      int64_t next = std::max_element(row.begin(), row.end()) - row.begin();
      EXPECT_EQ(out[size_t(b * 5 + i)], next) << "b=" << b << " i=" << i;
      row = ref.step(next);
    }
  }
}

TEST_F(SessionTest, GeneratePastMaxSeqFailsUpFront) {
  hyb_session_t *s = create();
  MockCounters c(HYB_TEST_ARTIFACT);
  int64_t callsBefore = *c.calls;
  std::vector<int64_t> prompt(10, 1), out(8);
  StatusResult r =
      take(hyb_session_generate_greedy(s, prompt.data(), 10, 8, out.data()));
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_RANGE);
  EXPECT_NE(r.message.find("exceeds max_seq 16"), std::string::npos)
      << r.message;
  EXPECT_EQ(*c.calls, callsBefore);
  // 10 + 7 - 1 = 16 fits exactly.
  HYB_ASSERT_OK(
      hyb_session_generate_greedy(s, prompt.data(), 10, 7, out.data()));
  EXPECT_EQ(hyb_session_position(s, 0), 16);
}

TEST_F(SessionTest, DecodeGreedyEntryPointAgreesWithArgmax) {
  hyb_session_t *s = create(2);
  std::vector<int64_t> prompt = {5, 3, 2, 6};
  std::vector<int64_t> viaDecode(2 * 6);
  HYB_ASSERT_OK(
      hyb_session_generate_greedy(s, prompt.data(), 2, 6, viaDecode.data()));

  // The variant with a decode_greedy entry point gives the same tokens.
  hyb_module_t *greedy = nullptr;
  HYB_ASSERT_OK(hyb_module_load(HYB_TEST_ARTIFACT_GREEDY, &greedy));
  HYB_ASSERT_OK(
      hyb_module_bind_weights(greedy, dir_.file("w.safetensors").c_str()));
  hyb_session_options_t o;
  hyb_session_options_init(&o);
  o.batch_size = 2;
  hyb_session_t *g = nullptr;
  HYB_ASSERT_OK(hyb_session_create(greedy, &o, &g));
  std::vector<int64_t> viaGreedy(2 * 6);
  HYB_ASSERT_OK(
      hyb_session_generate_greedy(g, prompt.data(), 2, 6, viaGreedy.data()));
  EXPECT_EQ(viaDecode, viaGreedy);
  std::vector<int64_t> next(2);
  std::vector<int64_t> feed = {viaGreedy[5], viaGreedy[11]};
  HYB_ASSERT_OK(hyb_session_decode_greedy(g, feed.data(), next.data()));
  EXPECT_EQ(hyb_session_position(g, 0), 2 + 6);
  MockCounters c(HYB_TEST_ARTIFACT_GREEDY);
  EXPECT_EQ(*c.descriptorErrors, 0);
  EXPECT_EQ(*c.positionErrors, 0);
  hyb_session_free(g);
  hyb_module_free(greedy);
}

TEST_F(SessionTest, BadArguments) {
  hyb_session_options_t o;
  hyb_session_options_init(&o);
  EXPECT_EQ(o.batch_size, 1);
  o.batch_size = 0;
  hyb_session_t *s = nullptr;
  StatusResult r = take(hyb_session_create(module_, &o, &s));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(r.message.find("batch size 0"), std::string::npos);
  r = take(hyb_session_prefill(nullptr, nullptr, 1, nullptr));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  hyb_session_t *t = create();
  std::string small(4, '\0');
  r = take(hyb_session_read_state(t, 0, small.data(), small.size()));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(r.message.find("'layers.0.acc' has 16 bytes"), std::string::npos)
      << r.message;
  hyb_session_free(nullptr);
}

} // namespace
