//===- hybrid-run.h - What hybrid-run's files share -------------*- C++ -*-===//
#ifndef HYBRID_RUN_HYBRID_RUN_H
#define HYBRID_RUN_HYBRID_RUN_H

#include "hybrid/runtime.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hybrid_run {

struct Options {
  std::string artifact, weights, tokens, dumpLogits, saveState, loadState;
  std::string benchAgainst;
  std::string call, inputs, outputs; // --call NAME --inputs F --outputs F
  std::string codes, prefix;         // audio: --codes F --prefix F
  std::string userAudio;             // Moshi: --user-audio F
  int64_t generateFrames = -1;       // audio: --generate-frames N
  std::string device = "auto";
  int64_t generate = -1, batch = 1, threads = 0, benchRuns = 5;
  int64_t benchBufferMb = 1024;
  int64_t generatedSeed = -1;
  bool bench = false;
  bool ignoreConfigHash = false; // --ignore-config-hash
};

/// Prints "hybrid-run: error: MESSAGE" (one line) and exits with status 1.
[[noreturn]] void fail(const std::string &message);
/// fail()s with the status's message unless |status| is OK.
void check(hyb_status_t status);
/// Room for |batch| x |tokens| x |vocab| logits, or fail()s (one line, no
/// std::bad_alloc) when that many floats cannot be counted or allocated.
std::vector<float> allocateLogits(int64_t batch, int64_t tokens, int64_t vocab);
/// The lowest index of the largest non-NaN value of |row|.
int64_t argmax(const float *row, int64_t n);

using Clock = std::chrono::steady_clock;
inline double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// Whether |o| asks for the audio contract (--codes, --prefix,
/// --generate-frames).
bool audioMode(const Options &o);
/// The audio contract (audio.cpp): the prompt (prefix, codes), its logits
/// (--dump-logits), greedy frames and --bench's frames/s. Returns the lines
/// of --generate-frames, which the caller prints last.
std::vector<std::string> runAudio(hyb_module_t *module, hyb_session_t *session,
                                  const Options &o);

/// Whether the artifact is a Moshi LM (its prefill takes depth_tokens).
bool isMoshi(hyb_module_t *module);
/// The audio contract for Moshi (moshi.cpp): --codes and its logits,
/// frames from an empty state with --user-audio, --bench.
std::vector<std::string> runMoshi(hyb_module_t *module, hyb_session_t *session,
                                  const Options &o);

/// --bench (bench.cpp): prefill and decode tokens/s, bandwidth, roofline.
void runBench(hyb_module_t *module, const Options &o,
              const std::vector<int64_t> &prompt);
/// --bench --bench-against OTHER (bench.cpp): the two interleaved.
void runPairedBench(hyb_module_t *module, hyb_module_t *other,
                    const Options &o, const std::vector<int64_t> &prompt);

} // namespace hybrid_run

#endif // HYBRID_RUN_HYBRID_RUN_H
