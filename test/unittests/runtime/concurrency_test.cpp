//===- concurrency_test.cpp - Sessions used from several threads ----------===//
//
// runtime.h promises that different sessions of one module may run at the
// same time, and that read-only calls (hyb_session_fork reads its source)
// may overlap them. These tests run that way and compare every logit with a
// run of the same calls on one thread, bit for bit. They are what the TSan
// build of the runtime runs (scripts/ci-sanitizers.sh, docs/Testing.md), where
// a data race in the runtime is a failure even when the numbers come out
// right.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

#include <atomic>
#include <thread>

using namespace hyb;
using namespace hyb::test;

namespace {

constexpr int64_t kVocab = 8;
constexpr int kRounds = 300;

class ConcurrencyTest : public ::testing::Test {
protected:
  void SetUp() override {
    HYB_ASSERT_OK(hyb_module_load(HYB_TEST_ARTIFACT, &module_));
    writeFile(dir_.file("w.safetensors"), mockWeightsFile());
    HYB_ASSERT_OK(
        hyb_module_bind_weights(module_, dir_.file("w.safetensors").c_str()));
  }
  void TearDown() override { hyb_module_free(module_); }

  hyb_session_t *create(int64_t batch) {
    hyb_session_options_t o;
    hyb_session_options_init(&o);
    o.batch_size = batch;
    hyb_session_t *s = nullptr;
    hyb_status_t st = hyb_session_create(module_, &o, &s);
    EXPECT_EQ(st, nullptr) << hyb_status_message(st);
    return s;
  }

  TempDir dir_;
  hyb_module_t *module_ = nullptr;
};

/// Every logit of: reset, prefill |prompt| (batch 2, the second sequence's
/// tokens shifted by one), then |steps| decodes of the argmax of sequence 0.
std::vector<float> conversation(hyb_session_t *s,
                                const std::vector<int64_t> &prompt,
                                int steps) {
  std::vector<float> all;
  hyb_status_t st = hyb_session_reset(s);
  EXPECT_EQ(st, nullptr) << hyb_status_message(st);
  int64_t T = int64_t(prompt.size());
  std::vector<int64_t> tokens;
  for (int b = 0; b < 2; ++b)
    for (int64_t t : prompt)
      tokens.push_back((t + b) % kVocab);
  std::vector<float> logits(size_t(2 * T * kVocab));
  st = hyb_session_prefill(s, tokens.data(), T, logits.data());
  EXPECT_EQ(st, nullptr) << hyb_status_message(st);
  all.insert(all.end(), logits.begin(), logits.end());
  int64_t next[2] = {prompt.back(), (prompt.back() + 1) % kVocab};
  for (int i = 0; i < steps; ++i) {
    std::vector<float> step(2 * kVocab);
    st = hyb_session_decode(s, next, step.data());
    EXPECT_EQ(st, nullptr) << hyb_status_message(st);
    all.insert(all.end(), step.begin(), step.end());
    for (int b = 0; b < 2; ++b) {
      int64_t best = 0;
      for (int64_t v = 1; v < kVocab; ++v)
        if (step[size_t(b * kVocab + v)] > step[size_t(b * kVocab + best)])
          best = v;
      next[b] = best;
    }
  }
  return all;
}

} // namespace

// Two sessions of one module, each on its own thread, decoding at once.
TEST_F(ConcurrencyTest, TwoSessionsInTwoThreads) {
  const std::vector<int64_t> promptA = {1, 2, 3, 4}, promptB = {7, 0, 5};
  hyb_session_t *a = create(2), *b = create(2);
  const std::vector<float> wantA = conversation(a, promptA, 10);
  const std::vector<float> wantB = conversation(b, promptB, 11);
  ASSERT_NE(wantA, wantB);

  std::atomic<int> mismatches{0};
  std::atomic<bool> go{false};
  auto worker = [&](hyb_session_t *s, const std::vector<int64_t> &prompt,
                    int steps, const std::vector<float> &want) {
    while (!go.load())
      std::this_thread::yield();
    for (int i = 0; i < kRounds; ++i)
      if (conversation(s, prompt, steps) != want)
        ++mismatches;
  };
  std::thread ta(worker, a, std::cref(promptA), 10, std::cref(wantA));
  std::thread tb(worker, b, std::cref(promptB), 11, std::cref(wantB));
  go = true;
  ta.join();
  tb.join();
  EXPECT_EQ(mismatches.load(), 0);
  hyb_session_free(a);
  hyb_session_free(b);
}

// One thread forks a session again and again (reading its state) and
// decodes each fork, while another thread decodes a second session of the
// same module: every fork continues exactly like the source would, and
// neither thread disturbs the other.
TEST_F(ConcurrencyTest, ForkWhileDecoding) {
  const std::vector<int64_t> prompt = {3, 1, 4};
  hyb_session_t *source = create(2), *busy = create(2);
  conversation(source, prompt, 2);
  // What a fork of |source| gives for four more decodes: computed on a fork
  // made before any thread runs.
  auto continueFork = [&](hyb_session_t *fork) {
    std::vector<float> out;
    int64_t next[2] = {5, 6};
    for (int i = 0; i < 4; ++i) {
      std::vector<float> step(2 * kVocab);
      hyb_status_t st = hyb_session_decode(fork, next, step.data());
      EXPECT_EQ(st, nullptr) << hyb_status_message(st);
      out.insert(out.end(), step.begin(), step.end());
      next[0] = (next[0] + 1) % kVocab;
      next[1] = (next[1] + 3) % kVocab;
    }
    return out;
  };
  hyb_session_t *first = nullptr;
  HYB_ASSERT_OK(hyb_session_fork(source, &first));
  const std::vector<float> wantFork = continueFork(first);
  hyb_session_free(first);
  const std::vector<float> wantBusy = conversation(busy, {2, 7, 1, 6}, 9);
  const int64_t sourcePosition = hyb_session_position(source, 0);

  std::atomic<int> mismatches{0};
  std::atomic<bool> go{false};
  std::thread forker([&] {
    while (!go.load())
      std::this_thread::yield();
    for (int i = 0; i < kRounds; ++i) {
      hyb_session_t *fork = nullptr;
      hyb_status_t st = hyb_session_fork(source, &fork);
      if (st) {
        ADD_FAILURE() << hyb_status_message(st);
        hyb_status_free(st);
        ++mismatches;
        continue;
      }
      if (continueFork(fork) != wantFork)
        ++mismatches;
      hyb_session_free(fork);
    }
  });
  std::thread decoder([&] {
    while (!go.load())
      std::this_thread::yield();
    for (int i = 0; i < kRounds; ++i)
      if (conversation(busy, {2, 7, 1, 6}, 9) != wantBusy)
        ++mismatches;
  });
  go = true;
  forker.join();
  decoder.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(hyb_session_position(source, 0), sourcePosition);
  hyb_session_free(source);
  hyb_session_free(busy);
}
