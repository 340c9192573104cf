//===- hybrid-run.cpp - Run a hybridc artifact ----------------------------===//
//
//   hybrid-run ARTIFACT (--weights PATH | --generated-weights SEED)
//              [--tokens 1,2,3] [--generate N]
//              [--dump-logits FILE] [--device=cpu|cuda] [--bench] [--batch B]
//              [--threads N] [--save-state FILE] [--load-state FILE]
//              [--bench-against OTHER]
//
// Built on the libhybridrt C API only. Every error is one line on stderr
// naming the cause, exit code 1. With --generate the generated tokens are the
// last line of stdout.
//
//===----------------------------------------------------------------------===//

#include "hybrid/runtime.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <vector>

namespace {

const char kUsage[] =
    "usage: hybrid-run ARTIFACT (--weights PATH | --generated-weights SEED)\n"
    "                  [--tokens 1,2,3] [--generate N]\n"
    "                  [--dump-logits FILE] [--device=cpu|cuda] [--bench]\n"
    "                  [--batch B] [--threads N] [--save-state FILE]\n"
    "                  [--load-state FILE] [--bench-runs N] [--bench-buffer-mb N]\n"
    "                  [--bench-against OTHER]\n"
    "\n"
    "  --weights PATH       .safetensors file, sharded index, or a directory\n"
    "  --generated-weights SEED  deterministic pseudo-random weights instead\n"
    "                       (benchmarks and demos)\n"
    "  --tokens LIST        prompt token ids, comma-separated (every sequence)\n"
    "  --generate N         greedily decode N tokens after the prompt; printed\n"
    "                       space-separated as the last line of stdout\n"
    "  --dump-logits FILE   write the prefill logits of sequence 0 as a\n"
    "                       safetensors file: tensor 'logits', F32 [T, vocab]\n"
    "  --device=cpu|cuda    backend (default cpu)\n"
    "  --bench              prefill and decode tokens/s, memory bandwidth and\n"
    "                       the decode roofline ratio\n"
    "  --batch B            sequences per session (default 1)\n"
    "  --threads N          threads for the artifact and the bandwidth probe\n"
    "  --bench-against OTHER  with --bench: instead, load artifact OTHER with\n"
    "                       the same weights and time the two interleaved\n"
    "                       (decode steps alternating one by one), reporting\n"
    "                       the speed of ARTIFACT over OTHER: median over the\n"
    "                       pairs, its 95% confidence interval and range\n"
    "  --load-state FILE    start from a saved session (before the prompt)\n"
    "  --save-state FILE    save the session at the end\n";

[[noreturn]] void fail(const std::string &message) {
  std::string line = message;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::fprintf(stderr, "hybrid-run: error: %s\n", line.c_str());
  std::exit(1);
}

void check(hyb_status_t status) {
  if (!status)
    return;
  std::string message = hyb_status_message(status);
  hyb_status_free(status);
  fail(message);
}

struct Options {
  std::string artifact, weights, tokens, dumpLogits, saveState, loadState;
  std::string benchAgainst;
  std::string device = "cpu";
  int64_t generate = -1, batch = 1, threads = 0, benchRuns = 5;
  int64_t benchBufferMb = 1024;
  int64_t generatedSeed = -1;
  bool bench = false;
};

int64_t parseInt(const std::string &flag, const std::string &text,
                 int64_t minValue) {
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || v < minValue)
    fail(flag + ": expected an integer >= " + std::to_string(minValue) +
         ", got '" + text + "'");
  return v;
}

Options parseArgs(int argc, char **argv) {
  Options o;
  bool haveArtifact = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg.rfind("--", 0) != 0) {
      if (haveArtifact)
        fail("unexpected argument '" + arg + "' (ARTIFACT is already '" +
             o.artifact + "')");
      o.artifact = arg;
      haveArtifact = true;
      continue;
    }
    std::string flag = arg, value;
    bool hasValue = false;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      hasValue = true;
    }
    auto needValue = [&]() -> std::string {
      if (hasValue)
        return value;
      if (i + 1 >= argc)
        fail(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--bench") {
      if (hasValue)
        fail("--bench takes no value");
      o.bench = true;
    } else if (flag == "--weights") {
      o.weights = needValue();
    } else if (flag == "--generated-weights") {
      o.generatedSeed = parseInt(flag, needValue(), 0);
    } else if (flag == "--tokens") {
      o.tokens = needValue();
    } else if (flag == "--generate") {
      o.generate = parseInt(flag, needValue(), 1);
    } else if (flag == "--dump-logits") {
      o.dumpLogits = needValue();
    } else if (flag == "--device") {
      o.device = needValue();
      if (o.device != "cpu" && o.device != "cuda")
        fail("--device: expected cpu or cuda, got '" + o.device + "'");
    } else if (flag == "--batch") {
      o.batch = parseInt(flag, needValue(), 1);
    } else if (flag == "--threads") {
      o.threads = parseInt(flag, needValue(), 1);
    } else if (flag == "--save-state") {
      o.saveState = needValue();
    } else if (flag == "--load-state") {
      o.loadState = needValue();
    } else if (flag == "--bench-runs") {
      o.benchRuns = parseInt(flag, needValue(), 1);
    } else if (flag == "--bench-against") {
      o.benchAgainst = needValue();
    } else if (flag == "--bench-buffer-mb") {
      o.benchBufferMb = parseInt(flag, needValue(), 1);
    } else {
      fail("unknown flag '" + flag + "' (see --help)");
    }
  }
  if (!haveArtifact)
    fail("missing ARTIFACT (see --help)");
  if (!o.benchAgainst.empty() && !o.bench)
    fail("--bench-against needs --bench");
  return o;
}

std::vector<int64_t> parseTokens(const std::string &text) {
  std::vector<int64_t> tokens;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    char *end = nullptr;
    errno = 0;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno == ERANGE)
      fail("--tokens: '" + item + "' at index " +
           std::to_string(tokens.size()) + " is not an integer");
    tokens.push_back(v);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return tokens;
}

int64_t argmax(const float *row, int64_t n) {
  int64_t best = 0;
  bool found = false;
  for (int64_t v = 0; v < n; ++v)
    if (!std::isnan(row[v]) && (!found || row[v] > row[best])) {
      best = v;
      found = true;
    }
  return best;
}

/// Writes |data| ([rows, cols] f32) as a safetensors file with one tensor.
void writeLogits(const std::string &path, const float *data, int64_t rows,
                 int64_t cols) {
  uint64_t bytes = uint64_t(rows * cols) * 4;
  std::string header = "{\"logits\":{\"dtype\":\"F32\",\"shape\":[" +
                       std::to_string(rows) + "," + std::to_string(cols) +
                       "],\"data_offsets\":[0," + std::to_string(bytes) +
                       "]}}";
  while ((8 + header.size()) % 8 != 0)
    header.push_back(' ');
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    fail("--dump-logits: cannot create " + path + ": " + std::strerror(errno));
  unsigned char len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = (uint64_t(header.size()) >> (8 * i)) & 0xff;
  bool ok = std::fwrite(len, 1, 8, f) == 8 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(data, 1, bytes, f) == bytes;
  if (std::fclose(f) != 0 || !ok)
    fail("--dump-logits: write to " + path + " failed");
}

//===-- Benchmark -----------------------------------------------------------===//

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

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
    logits.resize(size_t(B * T * V));
    stepLogits.resize(size_t(B * V));
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

/// Times ARTIFACT and OTHER interleaved (runInterleaved), the order
/// flipping each run, so that both see the same state of a shared host:
/// their ratio is far steadier than two separately measured rates.
void runPairedBench(hyb_module_t *module, hyb_module_t *other,
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

void runBench(hyb_module_t *module, const Options &o,
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
  // ran with: the best of one thread and all hardware threads.
  int hardware = int(std::max(1u, std::thread::hardware_concurrency()));
  uint64_t bufferBytes = uint64_t(o.benchBufferMb) << 20;
  double bandwidth = 0;
  for (int threads : {1, hardware}) {
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

} // namespace

int main(int argc, char **argv) {
  Options o = parseArgs(argc, argv);
  std::vector<int64_t> prompt;
  if (!o.tokens.empty())
    prompt = parseTokens(o.tokens);
  if (o.generate > 0 && prompt.empty())
    fail("--generate needs a prompt (--tokens)");
  if (!o.dumpLogits.empty() && prompt.empty())
    fail("--dump-logits needs a prompt (--tokens)");

  hyb_module_options_t mo;
  hyb_module_options_init(&mo);
  mo.device = o.device == "cuda" ? HYB_DEVICE_CUDA : HYB_DEVICE_CPU;
  mo.num_threads = int32_t(o.threads);
  hyb_module_t *module = nullptr;
  check(hyb_module_load_with_options(o.artifact.c_str(), &mo, &module));
  if (!o.weights.empty() && o.generatedSeed >= 0)
    fail("--weights and --generated-weights are exclusive");
  if (!o.weights.empty())
    check(hyb_module_bind_weights(module, o.weights.c_str()));
  else if (o.generatedSeed >= 0)
    check(hyb_module_generate_weights(module, uint64_t(o.generatedSeed)));
  else if (hyb_module_weight_count(module) > 0)
    fail("--weights PATH is required: " + o.artifact + " lists " +
         std::to_string(hyb_module_weight_count(module)) + " weights");
  const int64_t V = hyb_module_vocab_size(module);
  std::printf("model: %s (config_hash %s), target %s, vocab %lld, max_seq "
              "%lld, %lld weights (%llu bytes), %lld state buffers\n",
              hyb_module_model_name(module), hyb_module_config_hash(module),
              hyb_module_target_kind(module), (long long)V,
              (long long)hyb_module_max_seq(module),
              (long long)hyb_module_weight_count(module),
              (unsigned long long)hyb_module_weight_bytes(module),
              (long long)hyb_module_state_count(module));

  if (o.bench && o.benchAgainst.empty())
    runBench(module, o, prompt);
  if (!o.benchAgainst.empty()) {
    hyb_module_t *other = nullptr;
    check(hyb_module_load_with_options(o.benchAgainst.c_str(), &mo, &other));
    // The same model (config hash), compiled differently: anything else
    // would compare two workloads, not two compilations of one.
    if (std::strcmp(hyb_module_config_hash(other),
                    hyb_module_config_hash(module)) != 0 ||
        hyb_module_max_seq(other) != hyb_module_max_seq(module))
      fail("--bench-against: " + o.benchAgainst + " is another model (" +
           hyb_module_model_name(other) + ", config_hash " +
           hyb_module_config_hash(other) + ") or max_seq than " + o.artifact);
    if (!o.weights.empty())
      check(hyb_module_bind_weights(other, o.weights.c_str()));
    else if (o.generatedSeed >= 0)
      check(hyb_module_generate_weights(other, uint64_t(o.generatedSeed)));
    runPairedBench(module, other, o, prompt);
    hyb_module_free(other);
  }

  hyb_session_options_t so;
  hyb_session_options_init(&so);
  so.batch_size = o.batch;
  hyb_session_t *session = nullptr;
  check(hyb_session_create(module, &so, &session));
  if (!o.loadState.empty()) {
    check(hyb_session_load(session, o.loadState.c_str()));
    std::printf("state: loaded %s (position %lld)\n", o.loadState.c_str(),
                (long long)hyb_session_position(session, 0));
  }

  std::vector<int64_t> generated;
  if (!prompt.empty()) {
    const int64_t B = o.batch, T = int64_t(prompt.size());
    if (o.generate > 0) {
      // Check the whole run against max_seq before anything runs.
      int64_t end = hyb_session_position(session, 0) + T + o.generate - 1;
      if (end > hyb_module_max_seq(module))
        fail("--generate " + std::to_string(o.generate) + " after " +
             std::to_string(T) + " prompt tokens at position " +
             std::to_string(hyb_session_position(session, 0)) +
             " reaches position " + std::to_string(end) + ", past max_seq " +
             std::to_string(hyb_module_max_seq(module)));
    }
    std::vector<int64_t> batchTokens;
    for (int64_t b = 0; b < B; ++b)
      batchTokens.insert(batchTokens.end(), prompt.begin(), prompt.end());
    std::vector<float> logits(size_t(B * T * V));
    auto prefillStart = Clock::now();
    check(hyb_session_prefill(session, batchTokens.data(), T, logits.data()));
    double prefillSeconds = seconds(prefillStart, Clock::now());
    std::printf("prefill: %lld tokens x %lld sequences in %.3f s (%.1f "
                "tokens/s), position now %lld\n",
                (long long)T, (long long)B, prefillSeconds,
                double(T * B) / prefillSeconds,
                (long long)hyb_session_position(session, 0));
    if (!o.dumpLogits.empty()) {
      writeLogits(o.dumpLogits, logits.data(), T, V);
      std::printf("logits: wrote %s (F32 [%lld, %lld])\n", o.dumpLogits.c_str(),
                  (long long)T, (long long)V);
    }
    if (o.generate > 0) {
      std::vector<int64_t> current(static_cast<size_t>(B)), next(static_cast<size_t>(B));
      for (int64_t b = 0; b < B; ++b)
        current[size_t(b)] = argmax(logits.data() + (b * T + T - 1) * V, V);
      generated.push_back(current[0]);
      auto decodeStart = Clock::now();
      for (int64_t i = 1; i < o.generate; ++i) {
        check(hyb_session_decode_greedy(session, current.data(), next.data()));
        generated.push_back(next[0]);
        current.swap(next);
      }
      if (o.generate > 1) {
        double decodeSeconds = seconds(decodeStart, Clock::now());
        std::printf("decode: %lld tokens x %lld sequences in %.3f s (%.1f "
                    "tokens/s)\n",
                    (long long)(o.generate - 1), (long long)B, decodeSeconds,
                    double((o.generate - 1) * B) / decodeSeconds);
      }
    }
  }
  if (!o.saveState.empty()) {
    check(hyb_session_save(session, o.saveState.c_str()));
    std::printf("state: saved %s (position %lld)\n", o.saveState.c_str(),
                (long long)hyb_session_position(session, 0));
  }
  if (o.generate > 0) {
    std::string line;
    for (size_t i = 0; i < generated.size(); ++i)
      line += (i ? " " : "") + std::to_string(generated[i]);
    std::printf("%s\n", line.c_str());
  }
  hyb_session_free(session);
  hyb_module_free(module);
  return 0;
}
