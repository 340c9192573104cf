//===- bench.cpp - hybrid-run --bench and --bench-against ----------------===//
//
// Prefill and decode speed, the host's streaming read bandwidth (the GPU's
// copy bandwidth for a CUDA artifact) and the decode roofline (--bench), or two compilations of one model timed
// interleaved (--bench-against). docs/Runtime.md describes what is measured.
//
//===----------------------------------------------------------------------===//

#include "hybrid-run.h"
#ifdef HYBRIDRT_HAVE_CUDA
#include "runtime/src/cuda/cuda_backend.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <vector>

using namespace hybrid_run;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Streaming read bandwidth (bytes/s) over a buffer of |bytes|, |threads|
/// threads; median of |passes| passes after one warm-up.
/// Sum of p[begin, end): the probe's read loop. It must be bound by memory,
/// not by instructions, or the roofline is understated: 8 independent 256-bit
/// accumulators where the CPU has AVX2 (a scalar loop reads ~25% slower on
/// the Zen machines measured), plain code elsewhere.
/// Sum of the 4 equal streams p[begin + k*len, begin + (k+1)*len), read
/// side by side: the probe's read loop. It must be bound by memory, not by
/// instructions or by one stream's prefetcher, or the roofline is understated
/// (measured on a 2-core Zen 5: one stream per thread read 33-43 GB/s, four
/// interleaved streams 40-50 GB/s; a decode step streams several weight rows
/// at once, like the latter). AVX2 where the CPU has it, plain code elsewhere.
#if defined(__x86_64__)
__attribute__((target("avx2"))) uint64_t sumStreamsAvx2(const uint64_t *p,
                                                        uint64_t begin,
                                                        uint64_t len) {
  __m256i acc[8];
  for (auto &a : acc)
    a = _mm256_setzero_si256();
  const uint64_t *s[4] = {p + begin, p + begin + len, p + begin + 2 * len,
                          p + begin + 3 * len};
  uint64_t i = 0;
  for (; i + 8 <= len; i += 8)
    for (int k = 0; k < 4; ++k) {
      acc[2 * k] = _mm256_add_epi64(
          acc[2 * k], _mm256_loadu_si256(reinterpret_cast<const __m256i *>(s[k] + i)));
      acc[2 * k + 1] = _mm256_add_epi64(
          acc[2 * k + 1],
          _mm256_loadu_si256(reinterpret_cast<const __m256i *>(s[k] + i + 4)));
    }
  uint64_t lanes[4], total = 0;
  for (int k = 0; k < 8; ++k) {
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(lanes), acc[k]);
    total += lanes[0] + lanes[1] + lanes[2] + lanes[3];
  }
  for (; i < len; ++i)
    for (int k = 0; k < 4; ++k)
      total += s[k][i];
  return total;
}
#endif

uint64_t sumWords(const uint64_t *p, uint64_t begin, uint64_t end) {
  uint64_t len = (end - begin) / 4, total = 0;
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2"))
    total = sumStreamsAvx2(p, begin, len);
  else
#endif
    for (uint64_t i = 0; i < len; ++i)
      total += p[begin + i] + p[begin + len + i] + p[begin + 2 * len + i] +
               p[begin + 3 * len + i];
  for (uint64_t i = begin + 4 * len; i < end; ++i)
    total += p[i];
  return total;
}

double measureBandwidth(uint64_t bytes, int threads, int passes) {
  uint64_t words = bytes / 8;
  std::unique_ptr<uint64_t[]> buffer(new (std::nothrow) uint64_t[words]);
  if (!buffer)
    fail("--bench: cannot allocate " + std::to_string(bytes) +
         " bytes for the bandwidth probe (try --bench-buffer-mb)");
  // First touch from the threads that will read, so pages spread evenly.
  auto forEachSlice = [&](auto &&fn) {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        uint64_t begin = words * uint64_t(t) / uint64_t(threads);
        uint64_t end = words * uint64_t(t + 1) / uint64_t(threads);
        fn(t, begin, end);
      });
    for (auto &th : pool)
      th.join();
  };
  forEachSlice([&](int, uint64_t begin, uint64_t end) {
    for (uint64_t i = begin; i < end; ++i)
      buffer[i] = i;
  });
  std::vector<uint64_t> sums(size_t(threads) * 8);
  std::vector<double> rates;
  for (int pass = 0; pass <= passes; ++pass) {
    auto start = Clock::now();
    forEachSlice([&](int t, uint64_t begin, uint64_t end) {
      // one cache line per thread
      sums[size_t(t) * 8] = sumWords(buffer.get(), begin, end);
    });
    double dt = seconds(start, Clock::now());
    if (pass > 0)
      rates.push_back(double(words * 8) / dt);
  }
  volatile uint64_t sink = 0;
  for (uint64_t s : sums)
    sink = sink + s;
  // The best pass, as STREAM reports: the roofline is the most the machine
  // can read; slower passes are other tenants of a shared host.
  return *std::max_element(rates.begin(), rates.end());
}

/// The benchmark's work on one session of a module: a prefill of the
/// prompt, then `steps` decode steps returning logits and, from the same
/// prompt again, the same steps through decode_greedy (token only).
struct Timings {
  double prefill = 0, decode = 0, greedy = 0; // seconds
};

class Workload {
public:
  Workload(hyb_module_t *module, const Options &o,
           const std::vector<int64_t> &prompt)
      : V(hyb_module_vocab_size(module)), B(o.batch) {
    const int64_t maxSeq = hyb_module_max_seq(module);
    std::vector<int64_t> tokens = prompt;
    if (tokens.empty()) {
      int64_t n = std::max<int64_t>(1, std::min<int64_t>(128, maxSeq / 2));
      for (int64_t t = 0; t < n; ++t)
        tokens.push_back((t * 7 + 1) % V);
    }
    T = int64_t(tokens.size());
    if (T > maxSeq)
      fail("--bench: the prompt has " + std::to_string(T) +
           " tokens, more than max_seq " + std::to_string(maxSeq));
    steps = std::min<int64_t>(32, maxSeq - T);
    for (int64_t b = 0; b < B; ++b)
      batchTokens.insert(batchTokens.end(), tokens.begin(), tokens.end());
    hyb_session_options_t so;
    hyb_session_options_init(&so);
    so.batch_size = B;
    check(hyb_session_create(module, &so, &s));
    logits = allocateLogits(B, T, V);
    stepLogits = allocateLogits(B, 1, V);
    next.resize(size_t(B));
  }
  ~Workload() { hyb_session_free(s); }

  /// The phases of run(), for runs that interleave two workloads.
  double prefill() {
    check(hyb_session_reset(s));
    auto start = Clock::now();
    check(hyb_session_prefill(s, batchTokens.data(), T, logits.data()));
    double dt = seconds(start, Clock::now());
    current = lastTokens();
    return dt;
  }
  double decodeStep() {
    auto start = Clock::now();
    check(hyb_session_decode(s, current.data(), stepLogits.data()));
    for (int64_t b = 0; b < B; ++b)
      current[size_t(b)] = argmax(stepLogits.data() + b * V, V);
    return seconds(start, Clock::now());
  }
  double greedyStep() {
    auto start = Clock::now();
    check(hyb_session_decode_greedy(s, current.data(), next.data()));
    double dt = seconds(start, Clock::now());
    std::swap(current, next);
    return dt;
  }

  Timings run() {
    Timings t;
    t.prefill = prefill();
    if (steps < 1)
      return t;
    for (int64_t i = 0; i < steps; ++i)
      t.decode += decodeStep();
    prefill();
    for (int64_t i = 0; i < steps; ++i)
      t.greedy += greedyStep();
    return t;
  }

  const int64_t V, B;
  int64_t T = 0, steps = 0;

private:
  std::vector<int64_t> lastTokens() const {
    std::vector<int64_t> out(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b)
      out[size_t(b)] = argmax(logits.data() + (b * T + T - 1) * V, V);
    return out;
  }

  hyb_session_t *s = nullptr;
  std::vector<int64_t> batchTokens, current, next;
  std::vector<float> logits, stepLogits;
};

/// One paired run of ARTIFACT (a) and OTHER (b), interleaved as finely as
/// the work allows: the two prefills back to back, then the decode steps
/// alternately one by one, then the greedy steps likewise; `aFirst` says
/// which of the two goes first in each pair. A slow moment of a shared host
/// (another tenant reading memory for a second) then falls on both.
std::pair<Timings, Timings> runInterleaved(Workload &a, Workload &b,
                                           bool aFirst) {
  Timings ta, tb;
  Workload &first = aFirst ? a : b, &second = aFirst ? b : a;
  Timings &tFirst = aFirst ? ta : tb, &tSecond = aFirst ? tb : ta;
  tFirst.prefill = first.prefill();
  tSecond.prefill = second.prefill();
  if (a.steps < 1)
    return {ta, tb};
  for (int64_t i = 0; i < a.steps; ++i) {
    tFirst.decode += first.decodeStep();
    tSecond.decode += second.decodeStep();
  }
  first.prefill();
  second.prefill();
  for (int64_t i = 0; i < a.steps; ++i) {
    tFirst.greedy += first.greedyStep();
    tSecond.greedy += second.greedyStep();
  }
  return {ta, tb};
}

/// The median of `v` and its distribution-free 95% confidence interval:
/// the order statistics x(k), x(n+1-k) with k the largest index such that
/// P(Binomial(n, 1/2) < k) <= 0.025 (the sign test's interval; n >= 6).
std::string medianInterval(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  char text[96];
  if (n < 6) {
    std::snprintf(text, sizeof(text), "range %.3f-%.3f", v.front(), v.back());
    return text;
  }
  // P(X <= j) for X ~ Binomial(n, 1/2), accumulated until it passes 2.5%.
  double tail = 0, term = std::pow(0.5, double(n));
  size_t k = 0;
  for (size_t j = 0; j < n; ++j) {
    tail += term;
    if (tail > 0.025)
      break;
    k = j + 1; // P(X <= j) <= 0.025: x(j+1) may bound the interval
    term = term * double(n - j) / double(j + 1);
  }
  k = std::max<size_t>(k, 1);
  std::snprintf(text, sizeof(text), "95%% CI %.3f-%.3f, range %.3f-%.3f",
                v[k - 1], v[n - k], v.front(), v.back());
  return text;
}

} // namespace

/// Times ARTIFACT and OTHER interleaved (runInterleaved), the order
/// flipping each run, so that both see the same state of a shared host:
/// their ratio is far steadier than two separately measured rates.
void hybrid_run::runPairedBench(hyb_module_t *module, hyb_module_t *other,
                    const Options &o, const std::vector<int64_t> &prompt) {
  Workload self(module, o, prompt), base(other, o, prompt);
  std::vector<double> prefill, decode, greedy;
  for (int64_t run = 0; run <= o.benchRuns; ++run) { // run 0 warms up
    auto [a, b] = runInterleaved(self, base, run % 2 == 1);
    if (run == 0)
      continue;
    prefill.push_back(b.prefill / a.prefill);
    if (self.steps > 0) {
      decode.push_back(b.decode / a.decode);
      greedy.push_back(b.greedy / a.greedy);
    }
  }
  const char *what = "(speed of ARTIFACT / speed of OTHER";
  std::printf("bench-against: prefill: %.4f %s, median of %lld interleaved "
              "pairs, %s)\n",
              median(prefill), what, (long long)o.benchRuns,
              medianInterval(prefill).c_str());
  if (self.steps < 1)
    return;
  std::printf("bench-against: decode: %.4f %s, %s)\n", median(decode), what,
              medianInterval(decode).c_str());
  std::printf("bench-against: greedy decode: %.4f %s, %s)\n",
              median(greedy), what, medianInterval(greedy).c_str());
}

void hybrid_run::runBench(hyb_module_t *module, const Options &o,
              const std::vector<int64_t> &prompt) {
  const int64_t maxSeq = hyb_module_max_seq(module);
  Workload w(module, o, prompt);
  const int64_t B = w.B, T = w.T, steps = w.steps;
  std::vector<double> prefillRates, decodeRates, greedyRates;
  for (int64_t run = 0; run <= o.benchRuns; ++run) { // run 0 warms up
    Timings t = w.run();
    if (run == 0)
      continue;
    prefillRates.push_back(double(B * T) / t.prefill);
    if (steps > 0) {
      decodeRates.push_back(double(B * steps) / t.decode);
      greedyRates.push_back(double(B * steps) / t.greedy);
    }
  }

  double prefillTps = median(prefillRates);
  std::printf("bench: prefill: %.6g tokens/s (T=%lld, B=%lld, median of %lld "
              "runs after 1 warm-up)\n",
              prefillTps, (long long)T, (long long)B, (long long)o.benchRuns);
  if (steps < 1) {
    std::printf("bench: decode: skipped (the prompt fills max_seq %lld)\n",
                (long long)maxSeq);
    return;
  }
  double decodeTps = median(decodeRates);
  std::printf("bench: decode: %.6g tokens/s (%lld steps from position %lld, "
              "B=%lld, median of %lld runs after 1 warm-up)\n",
              decodeTps, (long long)steps, (long long)T, (long long)B,
              (long long)o.benchRuns);
  double greedyTps = median(greedyRates);
  std::printf("bench: greedy decode: %.6g tokens/s (the same steps, token "
              "only)\n",
              greedyTps);

  // The roofline is what the machine can read, whatever --threads the model
  // ran with: the best of one thread and all hardware threads. On a GPU,
  // what its memory moves: a device-to-device copy in this process, read
  // plus written bytes (the calls above are timed with the wall clock
  // around their synchronize, which hyb_session_decode does).
  int hardware = int(std::max(1u, std::thread::hardware_concurrency()));
  uint64_t bufferBytes = uint64_t(o.benchBufferMb) << 20;
  double bandwidth = 0;
  const bool onGpu = std::strcmp(hyb_module_target_kind(module), "cuda") == 0;
  if (onGpu) {
#ifdef HYBRIDRT_HAVE_CUDA
    std::string gpu;
    if (hyb_status_t st =
            hyb::measureCudaCopyBandwidth(bufferBytes, 10, &bandwidth, &gpu)) {
      std::string message = hyb_status_message(st);
      hyb_status_free(st);
      fail("--bench: " + message);
    }
    std::printf("bench: device copy bandwidth: %.4g GB/s (%s, "
                "cuMemcpyDtoDAsync of a %lld MiB buffer, read + written "
                "bytes, best of 10 copies after 1 warm-up)\n",
                bandwidth / 1e9, gpu.c_str(), (long long)o.benchBufferMb);
#endif
  }
  for (int threads : {1, hardware}) {
    if (onGpu)
      break;
    double bw = measureBandwidth(bufferBytes, threads, 5);
    std::printf("bench: memory read bandwidth: %.4g GB/s (%d threads, %lld "
                "MiB buffer, 4 streams a thread, best of 5 passes)\n",
                bw / 1e9, threads, (long long)o.benchBufferMb);
    bandwidth = std::max(bandwidth, bw);
    if (hardware == 1)
      break;
  }

  // Bytes a decode step reads per token at the middle of the decode run:
  // every streamed weight once per step (not an untied embedding table, of
  // which a step reads one row per sequence: a few KB, left out), plus each
  // sequence's state. A state buffer
  // whose first dim is max_seq is a cache indexed by position: only rows
  // [0, p] are read; any other state (SSM, conv) is read whole.
  int64_t p = T + steps / 2;
  uint64_t weightBytes = hyb_module_streamed_weight_bytes(module);
  double stateBytes = 0;

  for (int64_t i = 0; i < hyb_module_state_count(module); ++i) {
    hyb_tensor_info_t info;
    check(hyb_module_state_info(module, i, &info));
    double bytes = double(info.size_bytes);
    if (info.rank > 0 && info.shape[0] == maxSeq)
      bytes *= double(p + 1) / double(maxSeq);
    stateBytes += bytes;
  }
  double bytesPerToken = (double(weightBytes) + double(B) * stateBytes) / B;
  double roofline = bandwidth / bytesPerToken;
  std::printf("bench: bytes per decode token: (streamed weights %llu + %lld x state "
              "%.0f at position %lld) / %lld = %.6g bytes\n",
              (unsigned long long)weightBytes, (long long)B, stateBytes,
              (long long)p, (long long)B, bytesPerToken);
  std::printf("bench: roofline decode: %.6g tokens/s (bandwidth / bytes per "
              "token)\n",
              roofline);
  std::printf("bench: roofline ratio: %.4f (decode tokens/s / roofline)\n",
              decodeTps / roofline);
  std::printf("bench: greedy roofline ratio: %.4f (greedy decode tokens/s / "
              "roofline)\n",
              greedyTps / roofline);
}
