//===- session_test.cpp - Sessions against the mock artifact --------------===//

#include "test_util.h"
#include "runtime/src/tensor_view.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>

using namespace hyb;
using namespace hyb::test;

namespace {

/// The mock artifact's counters (the runtime dlopens the same file, so this
/// handle refers to the same loaded library).
struct MockCounters {
  int64_t *calls, *descriptorErrors, *positionErrors, *envErrors;
  uint64_t *lastSeed;
  explicit MockCounters(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    EXPECT_NE(h, nullptr) << path << " is not loaded";
    calls = static_cast<int64_t *>(dlsym(h, "mock_calls"));
    descriptorErrors = static_cast<int64_t *>(dlsym(h, "mock_descriptor_errors"));
    positionErrors = static_cast<int64_t *>(dlsym(h, "mock_position_errors"));
    envErrors = static_cast<int64_t *>(dlsym(h, "mock_env_errors"));
    lastSeed = static_cast<uint64_t *>(dlsym(h, "mock_last_seed"));
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
      EXPECT_EQ(*c.envErrors, 0) << "a missing or malformed hyb_env_t";
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

TEST_F(SessionTest, SaveWritesThroughASymlinkAndKeepsIt) {
  hyb_session_t *s = create();
  std::vector<int64_t> tokens = {1, 2, 3};
  HYB_ASSERT_OK(hyb_session_prefill(s, tokens.data(), 3, nullptr));
  std::string real = dir_.file("real.bin"), link = dir_.file("link.bin");
  writeFile(real, "stale");
  ASSERT_EQ(symlink("real.bin", link.c_str()), 0);
  HYB_ASSERT_OK(hyb_session_save(s, link.c_str()));
  struct stat st;
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link was replaced by a file";
  hyb_session_t *t = create();
  HYB_ASSERT_OK(hyb_session_load(t, real.c_str()));
  EXPECT_EQ(hyb_session_position(t, 0), 3);
  EXPECT_EQ(snapshot(t), snapshot(s));
}

TEST_F(SessionTest, SaveRefusesTargetsThatAreNotRegularFiles) {
  hyb_session_t *s = create();
  std::string fifo = dir_.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  BlockingWatchdog watchdog(10);
  for (const std::string &target : {fifo, dir_.path(), std::string("/dev/null")}) {
    StatusResult r = take(hyb_session_save(s, target.c_str()));
    EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT) << r.message;
    EXPECT_EQ(r.message.find(target + ": is a "), 0u) << r.message;
    EXPECT_NE(r.message.find("not a regular file"), std::string::npos)
        << r.message;
  }
  struct stat st;
  ASSERT_EQ(stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(SessionTest, LoadRefusesAFifoWithoutBlocking) {
  hyb_session_t *s = create();
  std::string fifo = dir_.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  BlockingWatchdog watchdog(10);
  StatusResult r = take(hyb_session_load(s, fifo.c_str()));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(r.message, fifo + ": is a FIFO, not a regular file");
}

TEST_F(SessionTest, StateOverTheBudgetIsRefusedBeforeAllocating) {
  uint64_t perSequence = 0;
  for (int64_t i = 0; i < hyb_module_state_count(module_); ++i) {
    hyb_tensor_info_t info;
    HYB_ASSERT_OK(hyb_module_state_info(module_, i, &info));
    perSequence += info.size_bytes;
  }
  ASSERT_GT(perSequence, 0u);
  auto tryCreate = [&](int64_t batch) {
    hyb_session_options_t o;
    hyb_session_options_init(&o);
    o.batch_size = batch;
    hyb_session_t *s = nullptr;
    StatusResult r = take(hyb_session_create(module_, &o, &s));
    if (s)
      adopt(s);
    return r;
  };
  // Without a limit set: more than this machine's memory, and past 64 bits.
  StatusResult r = tryCreate(int64_t(1) << 50);
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_MEMORY);
  EXPECT_NE(r.message.find(std::to_string(perSequence) +
                           " state bytes each = "),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("-byte limit (physical memory)"), std::string::npos)
      << r.message;
  r = tryCreate(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_MEMORY);
  EXPECT_NE(r.message.find("overflows 64 bits"), std::string::npos)
      << r.message;
  // A caller's limit: two sequences fit exactly, three do not.
  std::string limit = std::to_string(2 * perSequence);
  setenv("HYBRID_MAX_STATE_BYTES", limit.c_str(), 1);
  EXPECT_EQ(tryCreate(2).code, HYB_STATUS_OK);
  r = tryCreate(3);
  EXPECT_EQ(r.message, "hyb_session_create: 3 sequences x " +
                           std::to_string(perSequence) + " state bytes each = " +
                           std::to_string(3 * perSequence) +
                           " bytes, more than the " + limit +
                           "-byte limit (HYBRID_MAX_STATE_BYTES)");
  setenv("HYBRID_MAX_STATE_BYTES", "12x", 1);
  r = tryCreate(1);
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(r.message,
            "HYBRID_MAX_STATE_BYTES='12x': expected a byte count");
  unsetenv("HYBRID_MAX_STATE_BYTES");
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

//===-- Generic calls (ABI v2) ---------------------------------------------===//

hyb_tensor_t tensor(const char *name, hyb_dtype_t dtype,
                    std::vector<int64_t> shape, void *data) {
  return hyb::tensorView(name, dtype, shape, data);
}

TEST_F(SessionTest, CallMatchesPrefillAndSuppliesPositions) {
  hyb_session_t *a = create(2), *b = create(2);
  std::vector<int64_t> tokens = {1, 2, 3, 4, 7, 0, 5, 5};
  std::vector<float> want(2 * 4 * 8), got(2 * 4 * 8, -1.0f);
  HYB_ASSERT_OK(hyb_session_prefill(a, tokens.data(), 4, want.data()));
  hyb_tensor_t in = tensor("tokens", HYB_DTYPE_I64, {2, 4}, tokens.data());
  hyb_tensor_t out = tensor("logits", HYB_DTYPE_F32, {2, 4, 8}, got.data());
  HYB_ASSERT_OK(hyb_session_call(b, "prefill", &in, 1, &out, 1));
  EXPECT_EQ(got, want);
  EXPECT_EQ(hyb_session_position(b, 1), 4);
  // An explicit position equal to the session's is accepted; decode
  // advances by its "advance" (1), whatever T the caller might think.
  std::vector<int64_t> next = {3, 6}, pos = {4, 4};
  std::vector<float> l1(16), l2(16);
  HYB_ASSERT_OK(hyb_session_decode(a, next.data(), l1.data()));
  hyb_tensor_t ins[2] = {tensor("position", HYB_DTYPE_I64, {2}, pos.data()),
                         tensor("tokens", HYB_DTYPE_I64, {2, 1}, next.data())};
  out = tensor("logits", HYB_DTYPE_F32, {2, 1, 8}, l2.data());
  HYB_ASSERT_OK(hyb_session_call(b, "decode", ins, 2, &out, 1));
  EXPECT_EQ(l1, l2);
  EXPECT_EQ(hyb_session_position(b, 0), 5);
  EXPECT_EQ(snapshot(a), snapshot(b));
  // Outputs may be left out (session scratch).
  HYB_ASSERT_OK(hyb_session_call(b, "decode", &ins[1], 1, nullptr, 0));
  EXPECT_EQ(hyb_session_position(b, 0), 6);
}

TEST_F(SessionTest, CallChecksNamesDtypesAndShapes) {
  hyb_session_t *s = create(2);
  std::vector<int64_t> tokens(2 * 3, 1), pos = {5, 0};
  std::vector<int32_t> tokens32(6, 1);
  std::vector<float> logits(2 * 3 * 8);
  hyb_tensor_t in = tensor("tokens", HYB_DTYPE_I64, {2, 3}, tokens.data());
  hyb_tensor_t out = tensor("logits", HYB_DTYPE_F32, {2, 3, 8}, logits.data());
  auto expectError = [&](const char *entry, std::vector<hyb_tensor_t> ins,
                         std::vector<hyb_tensor_t> outs, hyb_status_code_t code,
                         std::vector<std::string> parts) {
    StatusResult r = take(hyb_session_call(s, entry, ins.data(), ins.size(),
                                           outs.data(), outs.size()));
    EXPECT_EQ(r.code, code) << r.message;
    for (const auto &p : parts)
      EXPECT_NE(r.message.find(p), std::string::npos)
          << "'" << p << "' not in: " << r.message;
  };
  expectError("frame", {in}, {out}, HYB_STATUS_NOT_FOUND,
              {"no 'frame' entry point"});
  expectError("prefill", {tensor("codes", HYB_DTYPE_I64, {2, 3}, tokens.data())},
              {out}, HYB_STATUS_NOT_FOUND,
              {"entry point 'prefill' has no input 'codes'",
               "its inputs: tokens, position"});
  expectError("prefill", {in}, {tensor("tokens", HYB_DTYPE_I64, {2, 3}, tokens.data())},
              HYB_STATUS_NOT_FOUND, {"has no output 'tokens'", "its outputs: logits"});
  expectError("prefill", {in, in}, {out}, HYB_STATUS_INVALID_ARGUMENT,
              {"input 'tokens' is given twice"});
  expectError("prefill", {}, {out}, HYB_STATUS_INVALID_ARGUMENT,
              {"missing input 'tokens' (i64 [\"B\", \"T\"])"});
  expectError("prefill", {tensor("tokens", HYB_DTYPE_I32, {2, 3}, tokens32.data())},
              {out}, HYB_STATUS_MISMATCH, {"input 'tokens' is i32, expected i64"});
  expectError("prefill", {tensor("tokens", HYB_DTYPE_I64, {1, 3}, tokens.data())},
              {out}, HYB_STATUS_MISMATCH,
              {"input 'tokens' has shape [1, 3], expected [\"B\", \"T\"] = [2, 3]"});
  expectError("prefill", {in}, {tensor("logits", HYB_DTYPE_F32, {2, 3, 7}, logits.data())},
              HYB_STATUS_MISMATCH,
              {"output 'logits' has shape [2, 3, 7], expected [\"B\", \"T\", 8] = "
               "[2, 3, 8]"});
  expectError("decode", {in}, {}, HYB_STATUS_MISMATCH,
              {"entry point 'decode': input 'tokens' has shape [2, 3], expected "
               "[\"B\", 1] = [2, 1]"});
  expectError("prefill", {in, tensor("position", HYB_DTYPE_I64, {2}, pos.data())},
              {out}, HYB_STATUS_MISMATCH,
              {"input 'position' gives sequence 0 position 5, the session is at 0"});
  tokens[4] = 8;
  expectError("prefill", {in}, {out}, HYB_STATUS_OUT_OF_RANGE,
              {"token id 8 at sequence 1, index 1 (position 1) is outside [0, 8)"});
  tokens[4] = 1;
  std::vector<int64_t> many(2 * 17, 1);
  expectError("prefill", {tensor("tokens", HYB_DTYPE_I64, {2, 17}, many.data())},
              {}, HYB_STATUS_OUT_OF_RANGE,
              {"sequence 0: position 0 + 17 tokens = 17 exceeds max_seq 16"});
  // Nothing ran.
  EXPECT_EQ(hyb_session_position(s, 0), 0);
  MockCounters c(artifact_.c_str());
  int64_t calls = *c.calls;
  HYB_ASSERT_OK(hyb_session_call(s, "prefill", &in, 1, &out, 1));
  EXPECT_EQ(*c.calls, calls + 1);
}

TEST_F(SessionTest, IoInfoDescribesNamedInputsAndOutputs) {
  ASSERT_EQ(hyb_module_io_count(module_, "prefill"), 3);
  EXPECT_EQ(hyb_module_io_count(module_, "frame"), -1);
  hyb_io_info_t info;
  HYB_ASSERT_OK(hyb_module_io_info(module_, "prefill", 2, &info));
  EXPECT_STREQ(info.name, "logits");
  EXPECT_STREQ(info.role, "logits");
  EXPECT_EQ(info.is_output, 1);
  EXPECT_EQ(info.dtype, HYB_DTYPE_F32);
  ASSERT_EQ(info.rank, 3);
  EXPECT_EQ(info.shape[0], HYB_DIM_B);
  EXPECT_EQ(info.shape[1], HYB_DIM_T);
  EXPECT_EQ(info.shape[2], 8);
  HYB_ASSERT_OK(hyb_module_io_info(module_, "decode", 0, &info));
  EXPECT_STREQ(info.name, "tokens");
  EXPECT_EQ(info.shape[1], 1);
  EXPECT_EQ(take(hyb_module_io_info(module_, "prefill", 3, &info)).code,
            HYB_STATUS_OUT_OF_RANGE);
}

TEST_F(SessionTest, LaunchThenSynchronize) {
  hyb_session_t *s = create(1);
  std::vector<int64_t> tokens = {1, 2, 3};
  std::vector<float> logits(3 * 8, -1.0f), want(3 * 8);
  hyb_tensor_t in = tensor("tokens", HYB_DTYPE_I64, {1, 3}, tokens.data());
  hyb_tensor_t out = tensor("logits", HYB_DTYPE_F32, {1, 3, 8}, logits.data());
  HYB_ASSERT_OK(hyb_session_launch(s, "prefill", &in, 1, &out, 1));
  EXPECT_EQ(hyb_session_position(s, 0), 3); // positions move at launch
  HYB_ASSERT_OK(hyb_session_synchronize(s));
  HYB_ASSERT_OK(hyb_session_synchronize(s)); // nothing in flight: a no-op
  MockModel ref;
  for (int t = 0; t < 3; ++t) {
    std::vector<float> row = ref.step(tokens[size_t(t)]);
    std::copy(row.begin(), row.end(), want.begin() + t * 8);
  }
  EXPECT_EQ(logits, want);
  // Two launches in a row, then one synchronize: stream order.
  std::vector<int64_t> t1 = {4}, t2 = {5};
  std::vector<float> l1(8), l2(8);
  hyb_tensor_t i1 = tensor("tokens", HYB_DTYPE_I64, {1, 1}, t1.data());
  hyb_tensor_t i2 = tensor("tokens", HYB_DTYPE_I64, {1, 1}, t2.data());
  hyb_tensor_t o1 = tensor("logits", HYB_DTYPE_F32, {1, 1, 8}, l1.data());
  hyb_tensor_t o2 = tensor("logits", HYB_DTYPE_F32, {1, 1, 8}, l2.data());
  HYB_ASSERT_OK(hyb_session_launch(s, "decode", &i1, 1, &o1, 1));
  HYB_ASSERT_OK(hyb_session_launch(s, "decode", &i2, 1, &o2, 1));
  HYB_ASSERT_OK(hyb_session_synchronize(s));
  EXPECT_EQ(l1, ref.step(4));
  EXPECT_EQ(l2, ref.step(5));
  EXPECT_EQ(take(hyb_session_synchronize(nullptr)).code,
            HYB_STATUS_INVALID_ARGUMENT);
}

TEST_F(SessionTest, EnvironmentCarriesTheSeed) {
  hyb_session_t *s = create(1);
  MockCounters c(artifact_.c_str());
  hyb_session_set_seed(s, 1234);
  decode(s, {1});
  EXPECT_EQ(*c.lastSeed, 1234u);
  hyb_session_t *f = nullptr;
  HYB_ASSERT_OK(hyb_session_fork(s, &f));
  adopt(f);
  hyb_session_set_seed(s, 7);
  decode(f, {2});
  EXPECT_EQ(*c.lastSeed, 1234u); // a fork keeps the seed
  EXPECT_EQ(*c.envErrors, 0);
}

TEST_F(SessionTest, WriteStateRoundTrip) {
  hyb_session_t *a = create(2), *b = create(2);
  std::vector<int64_t> tokens = {1, 2, 3, 4, 7, 0};
  HYB_ASSERT_OK(hyb_session_prefill(a, tokens.data(), 3, nullptr));
  std::vector<std::string> state = snapshot(a);
  for (size_t i = 0; i < state.size(); ++i)
    HYB_ASSERT_OK(hyb_session_write_state(b, int64_t(i), state[i].data(),
                                          state[i].size()));
  EXPECT_EQ(hyb_session_position(b, 0), 0); // state only
  std::vector<int64_t> positions(2);
  hyb_session_positions(a, positions.data());
  HYB_ASSERT_OK(hyb_session_set_positions(b, positions.data()));
  EXPECT_EQ(snapshot(b), state);
  EXPECT_EQ(decode(a, {5, 6}), decode(b, {5, 6}));
  // Errors change nothing.
  StatusResult r =
      take(hyb_session_write_state(b, 0, state[0].data(), state[0].size() - 1));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(r.message.find("state buffer 'layers.0.acc' has 32 bytes, the "
                           "source 31"),
            std::string::npos)
      << r.message;
  EXPECT_EQ(take(hyb_session_write_state(b, 2, state[0].data(), 32)).code,
            HYB_STATUS_OUT_OF_RANGE);
  std::vector<int64_t> bad = {3, 17};
  r = take(hyb_session_set_positions(b, bad.data()));
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_RANGE);
  EXPECT_NE(r.message.find("sequence 1: position 17 is outside [0, max_seq 16]"),
            std::string::npos)
      << r.message;
  EXPECT_EQ(hyb_session_position(b, 0), 4);
}

TEST_F(SessionTest, SequenceStateMovesOneSequence) {
  // Sequence 1 of a batch-2 session, moved into sequence 0 of a batch-1
  // session and into sequence 1 of another, continues exactly as a fork.
  hyb_session_t *a = create(2);
  std::vector<int64_t> tokens = {1, 2, 3, 4, 7, 0, 5, 1};
  HYB_ASSERT_OK(hyb_session_prefill(a, tokens.data(), 4, nullptr));
  HYB_ASSERT_OK(hyb_session_decode(a, std::vector<int64_t>{2, 3}.data(),
                                   nullptr));
  size_t size = hyb_session_sequence_state_size(a);
  EXPECT_EQ(size, 32u + 2 * 8 + 16 * 2 * 4);
  std::string blob(size, '\0');
  HYB_ASSERT_OK(hyb_session_get_sequence_state(a, 1, blob.data(), size));
  hyb_session_t *one = create(1), *two = create(2);
  EXPECT_EQ(hyb_session_sequence_state_size(one), size);
  HYB_ASSERT_OK(hyb_session_set_sequence_state(one, 0, blob.data(), size));
  HYB_ASSERT_OK(hyb_session_set_sequence_state(two, 1, blob.data(), size));
  EXPECT_EQ(hyb_session_position(one, 0), 5);
  EXPECT_EQ(hyb_session_position(two, 0), 0);
  EXPECT_EQ(hyb_session_position(two, 1), 5);
  hyb_session_t *fork = nullptr;
  HYB_ASSERT_OK(hyb_session_fork(a, &fork));
  adopt(fork);
  std::vector<float> want = decode(fork, {6, 4});
  std::vector<float> got1 = decode(one, {4});
  EXPECT_EQ(got1, std::vector<float>(want.begin() + 8, want.end()));
  // In |two|, sequence 0 stayed empty (position 0) and sequence 1 moved.
  std::vector<float> got2 = decode(two, {6, 4});
  EXPECT_EQ(std::vector<float>(got2.begin() + 8, got2.end()),
            std::vector<float>(want.begin() + 8, want.end()));
  MockModel fresh;
  EXPECT_EQ(std::vector<float>(got2.begin(), got2.begin() + 8), fresh.step(6));
  // Checked whole before anything changes.
  EXPECT_EQ(take(hyb_session_get_sequence_state(a, 2, blob.data(), size)).code,
            HYB_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(take(hyb_session_set_sequence_state(one, 0, blob.data(), size - 1))
                .code,
            HYB_STATUS_INVALID_ARGUMENT);
  std::string bad = blob;
  bad[0] = 'X';
  EXPECT_EQ(take(hyb_session_set_sequence_state(one, 0, bad.data(), size)).code,
            HYB_STATUS_INVALID_FORMAT);
  bad = blob;
  bad[16] ^= 1; // the config hash
  StatusResult r = take(hyb_session_set_sequence_state(one, 0, bad.data(), size));
  EXPECT_EQ(r.code, HYB_STATUS_MISMATCH);
  EXPECT_NE(r.message.find("another model"), std::string::npos) << r.message;
  EXPECT_EQ(hyb_session_position(one, 0), 6);
}

class CodebookSessionTest : public SessionTest {
protected:
  void SetUp() override { load(HYB_TEST_ARTIFACT_CODEBOOKS); }
};

TEST_F(CodebookSessionTest, PrefillOfBTKTokens) {
  // tokens [B, T, 3], logits [B, T, 3, 8]: descriptors from the manifest's
  // shapes, not from roles.
  const int64_t B = 2, T = 4, K = 3, V = 8;
  hyb_session_t *s = create(B), *split = create(B);
  std::vector<int64_t> tokens(size_t(B * T * K));
  for (size_t i = 0; i < tokens.size(); ++i)
    tokens[i] = int64_t((i * 5 + 3) % 8);
  std::vector<float> logits(size_t(B * T * K * V), -1.0f);
  hyb_tensor_t in = tensor("tokens", HYB_DTYPE_I64, {B, T, K}, tokens.data());
  hyb_tensor_t out =
      tensor("logits", HYB_DTYPE_F32, {B, T, K, V}, logits.data());
  HYB_ASSERT_OK(hyb_session_call(s, "prefill", &in, 1, &out, 1));
  for (int64_t b = 0; b < B; ++b) {
    MockModel ref;
    for (int64_t t = 0; t < T; ++t) {
      const int64_t *frame = &tokens[size_t((b * T + t) * K)];
      std::vector<float> row = ref.step((frame[0] + 2 * frame[1] + 3 * frame[2]) % 8);
      int64_t h = std::max_element(row.begin(), row.end()) - row.begin();
      for (int64_t k = 0; k < K; ++k)
        for (int64_t v = 0; v < V; ++v)
          EXPECT_EQ(logits[size_t(((b * T + t) * K + k) * V + v)],
                    float(v) / 10.0f + (v == (h + k) % V ? 1.0f : 0.0f))
              << b << " " << t << " " << k << " " << v;
    }
  }
  EXPECT_EQ(hyb_session_position(s, 0), T);
  // Prefill of T - 1 frames, then the decode entry on frame T: the same last
  // logits.
  std::vector<int64_t> head, last;
  for (int64_t b = 0; b < B; ++b) {
    head.insert(head.end(), tokens.begin() + b * T * K,
                tokens.begin() + (b * T + T - 1) * K);
    last.insert(last.end(), tokens.begin() + (b * T + T - 1) * K,
                tokens.begin() + (b * T + T) * K);
  }
  in = tensor("tokens", HYB_DTYPE_I64, {B, T - 1, K}, head.data());
  HYB_ASSERT_OK(hyb_session_call(split, "prefill", &in, 1, nullptr, 0));
  std::vector<float> step(size_t(B * K * V));
  in = tensor("tokens", HYB_DTYPE_I64, {B, 1, K}, last.data());
  out = tensor("logits", HYB_DTYPE_F32, {B, 1, K, V}, step.data());
  HYB_ASSERT_OK(hyb_session_call(split, "decode", &in, 1, &out, 1));
  for (int64_t b = 0; b < B; ++b)
    EXPECT_EQ(std::vector<float>(step.begin() + b * K * V,
                                 step.begin() + (b + 1) * K * V),
              std::vector<float>(logits.begin() + ((b * T + T - 1) * K) * V,
                                 logits.begin() + ((b * T + T) * K) * V));
  // A token id out of range names its codebook column.
  tokens[size_t(1 * T * K + 2 * K + 1)] = 9;
  in = tensor("tokens", HYB_DTYPE_I64, {B, T, K}, tokens.data());
  StatusResult r = take(hyb_session_call(s, "prefill", &in, 1, nullptr, 0));
  EXPECT_EQ(r.code, HYB_STATUS_OUT_OF_RANGE);
  EXPECT_NE(r.message.find("token id 9 at sequence 1, index 2, column 1"),
            std::string::npos)
      << r.message;
  // The text API refuses [B, T] tokens for it, naming the shape expected.
  std::vector<int64_t> flat = {1, 2, 3, 4};
  r = take(hyb_session_prefill(s, flat.data(), 2, nullptr));
  EXPECT_EQ(r.code, HYB_STATUS_MISMATCH);
  EXPECT_NE(r.message.find("input 'tokens' has shape [2, 2], expected "
                           "[\"B\", \"T\", 3]"),
            std::string::npos)
      << r.message;
}

} // namespace
