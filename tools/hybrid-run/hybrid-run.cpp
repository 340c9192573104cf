//===- hybrid-run.cpp - Run a hybridc artifact ----------------------------===//
//
//   hybrid-run ARTIFACT (--weights PATH | --generated-weights SEED)
//              [--tokens 1,2,3] [--generate N]
//              [--dump-logits FILE] [--device=cpu|cuda|auto] [--bench] [--batch B]
//              [--threads N] [--save-state FILE] [--load-state FILE]
//              [--bench-against OTHER]
//   hybrid-run ARTIFACT (--weights PATH | --generated-weights SEED)
//              --call ENTRY --inputs FILE [--outputs FILE] [--batch B]
//              [--load-state FILE] [--save-state FILE]
//   hybrid-run ARTIFACT (--weights PATH | --generated-weights SEED)
//              [--codes FILE] [--prefix FILE] [--dump-logits FILE]
//              [--generate-frames N] [--bench] [--batch B] [--threads N]
//              [--load-state FILE] [--save-state FILE]
//
// Built on the libhybridrt C API only. Every error is one line on stderr
// naming the cause, exit code 1. With --generate the generated tokens are the
// last line of stdout.
//
//===----------------------------------------------------------------------===//

#include "hybrid-run.h"
#include "tensor_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <vector>

using namespace hybrid_run;

namespace {

const char kUsage[] =
    "usage: hybrid-run ARTIFACT (--weights PATH [--ignore-config-hash] |\n"
    "                  --generated-weights SEED) [--tokens 1,2,3] [--generate N]\n"
    "                  [--dump-logits FILE] [--device=cpu|cuda|auto] [--bench]\n"
    "                  [--batch B] [--threads N] [--save-state FILE]\n"
    "                  [--load-state FILE] [--bench-runs N] [--bench-buffer-mb N]\n"
    "                  [--bench-against OTHER]\n"
    "       hybrid-run ARTIFACT (--weights PATH | --generated-weights SEED)\n"
    "                  --call ENTRY --inputs FILE [--outputs FILE] [--batch B]\n"
    "                  [--load-state FILE] [--save-state FILE]\n"
    "       hybrid-run ARTIFACT (--weights PATH | --generated-weights SEED)\n"
    "                  [--codes FILE] [--prefix FILE] [--dump-logits FILE]\n"
    "                  [--generate-frames N] [--bench] [--batch B]\n"
    "                  [--load-state FILE] [--save-state FILE]\n"
    "\n"
    "  --weights PATH       .safetensors file, sharded index, or a directory\n"
    "                       (whose config.json, if any, must be the one the\n"
    "                       artifact was compiled from: same config_hash)\n"
    "  --ignore-config-hash bind a weights directory whose config.json differs\n"
    "                       (re-saved or edited; names and shapes still checked)\n"
    "  --generated-weights SEED  deterministic pseudo-random weights instead\n"
    "                       (benchmarks and demos)\n"
    "  --tokens LIST        prompt token ids, comma-separated (every sequence)\n"
    "  --generate N         greedily decode N tokens after the prompt; printed\n"
    "                       space-separated as the last line of stdout\n"
    "  --dump-logits FILE   write the prefill logits of sequence 0 as a\n"
    "                       safetensors file: tensor 'logits', F32 [T, vocab]\n"
    "  --device=cpu|cuda|auto  backend (default auto: the artifact's "
    "target.kind)\n"
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
    "  --save-state FILE    save the session at the end\n"
    "  --call ENTRY         run entry point ENTRY (prefill, decode, ...) once\n"
    "                       through the generic call: its inputs by name from\n"
    "  --inputs FILE        a safetensors file (I32 is widened to I64; the\n"
    "                       session supplies 'position' if absent), its\n"
    "  --outputs FILE       outputs by name to a safetensors file\n"
    "\n"
    "Multi-codebook audio models (Zonos, Moshi), safetensors files with batch "
    "1 leading:\n"
    "  --codes FILE         tensor 'codes', I64 or I32 [1, n_codebooks, T]\n"
    "                       (Moshi: [1, 1 + n_q, T], text first, undelayed)\n"
    "  --prefix FILE        tensor 'prefix_hidden_states', F32 [1, P, d_model]:\n"
    "                       hidden vectors before the codes (conditioning)\n"
    "  --dump-logits FILE   with --codes: tensor 'prefill_logits', F32\n"
    "                       [1, n_codebooks, P + T, vocab] of one prefill\n"
    "                       (Moshi: 'text_logits' [1, 1, T, text_card] and\n"
    "                       'audio_logits' [1, dep_q, T, card])\n"
    "  --generate-frames N  N greedy frames (frame 0 from the prompt's last\n"
    "                       position, then the frame entry point), one line\n"
    "                       of n_codebooks tokens each: the last N lines\n"
    "                       (Moshi: from an empty state, the text token and\n"
    "                       the dep_q audio tokens of each frame)\n"
    "  --user-audio FILE    Moshi: tensor 'gen_user_audio', I64 or I32\n"
    "                       [1, n_q - dep_q, N]: the user's streams, a step\n"
    "                       a column\n"
    "  --bench              prefill time, frames/s and the real-time factor\n"
    "                       (N frames; default 86, a second of audio, or\n"
    "                       what max_seq leaves room for)\n";

/// The value of integer flag |flag|, which must lie in [minValue, maxValue]:
/// anything else (not a number, out of range, past int64) is refused, never
/// wrapped or truncated.
int64_t parseInt(const std::string &flag, const std::string &text,
                 int64_t minValue, int64_t maxValue) {
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || v < minValue ||
      v > maxValue)
    fail(flag + ": expected an integer in [" + std::to_string(minValue) +
         ", " + std::to_string(maxValue) + "], got '" + text + "'");
  return v;
}

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
// More threads than any machine has cores is a typo, not a setting; the C
// API's num_threads is an int32_t.
constexpr int64_t kMaxThreads = 1 << 16;
// 1 TiB: --bench-buffer-mb << 20 must not wrap, nor the probe's
// allocation be absurd.
constexpr int64_t kMaxBenchBufferMb = int64_t(1) << 20;
// Sequences per session; batch * tokens * vocab logits must stay countable.
constexpr int64_t kMaxBatch = 1 << 20;
constexpr int64_t kMaxBenchRuns = 1000000;

uint32_t bindFlags(const Options &o) {
  return o.ignoreConfigHash ? uint32_t(HYB_BIND_IGNORE_CONFIG_HASH)
                            : uint32_t(HYB_BIND_DEFAULT);
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
    } else if (flag == "--ignore-config-hash") {
      if (hasValue)
        fail("--ignore-config-hash takes no value");
      o.ignoreConfigHash = true;
    } else if (flag == "--generated-weights") {
      o.generatedSeed = parseInt(flag, needValue(), 0, kInt64Max);
    } else if (flag == "--tokens") {
      o.tokens = needValue();
    } else if (flag == "--generate") {
      o.generate = parseInt(flag, needValue(), 1, kInt64Max);
    } else if (flag == "--dump-logits") {
      o.dumpLogits = needValue();
    } else if (flag == "--device") {
      o.device = needValue();
      if (o.device != "cpu" && o.device != "cuda" && o.device != "auto")
        fail("--device: expected cpu, cuda or auto, got '" + o.device + "'");
    } else if (flag == "--batch") {
      o.batch = parseInt(flag, needValue(), 1, kMaxBatch);
    } else if (flag == "--threads") {
      o.threads = parseInt(flag, needValue(), 1, kMaxThreads);
    } else if (flag == "--save-state") {
      o.saveState = needValue();
    } else if (flag == "--load-state") {
      o.loadState = needValue();
    } else if (flag == "--bench-runs") {
      o.benchRuns = parseInt(flag, needValue(), 1, kMaxBenchRuns);
    } else if (flag == "--bench-against") {
      o.benchAgainst = needValue();
    } else if (flag == "--call") {
      o.call = needValue();
    } else if (flag == "--inputs") {
      o.inputs = needValue();
    } else if (flag == "--outputs") {
      o.outputs = needValue();
    } else if (flag == "--codes") {
      o.codes = needValue();
    } else if (flag == "--prefix") {
      o.prefix = needValue();
    } else if (flag == "--user-audio") {
      o.userAudio = needValue();
    } else if (flag == "--generate-frames") {
      o.generateFrames = parseInt(flag, needValue(), 1, kInt64Max);
    } else if (flag == "--bench-buffer-mb") {
      o.benchBufferMb = parseInt(flag, needValue(), 1, kMaxBenchBufferMb);
    } else {
      fail("unknown flag '" + flag + "' (see --help)");
    }
  }
  if (!haveArtifact)
    fail("missing ARTIFACT (see --help)");
  if (!o.benchAgainst.empty() && !o.bench)
    fail("--bench-against needs --bench");
  if (o.call.empty() != o.inputs.empty())
    fail("--call and --inputs go together");
  if (o.call.empty() && !o.outputs.empty())
    fail("--outputs needs --call");
  if (!o.call.empty() &&
      (!o.tokens.empty() || o.generate > 0 || !o.dumpLogits.empty() || o.bench))
    fail("--call does not combine with --tokens, --generate, --dump-logits "
         "or --bench");
  if (audioMode(o) &&
      (!o.tokens.empty() || o.generate > 0 || !o.call.empty() ||
       !o.benchAgainst.empty()))
    fail("--codes, --prefix and --generate-frames do not combine with "
         "--tokens, --generate, --call or --bench-against");
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

/// Writes |data| ([rows, cols] f32) as a safetensors file with one tensor,
/// 'logits'.
void writeLogits(const std::string &path, const float *data, int64_t rows,
                 int64_t cols) {
  HostTensor logits;
  logits.name = "logits";
  logits.dtype = HYB_DTYPE_F32;
  logits.shape = {rows, cols};
  const uint8_t *bytes = reinterpret_cast<const uint8_t *>(data);
  logits.data.assign(bytes, bytes + size_t(rows * cols) * sizeof(float));
  writeTensors(path, {logits});
}

/// --call: one generic call of entry point o.call on the tensors of
/// o.inputs; every output is allocated from the manifest's shape and written
/// to o.outputs.
void runCall(hyb_module_t *module, hyb_session_t *session, const Options &o) {
  const char *entry = o.call.c_str();
  int64_t count = hyb_module_io_count(module, entry);
  if (count < 0)
    fail(o.artifact + ": artifact has no '" + o.call + "' entry point");
  std::vector<HostTensor> inputs = readTensors(o.inputs);
  std::vector<hyb_io_info_t> infos{size_t(count)};
  for (int64_t i = 0; i < count; ++i)
    check(hyb_module_io_info(module, entry, i, &infos[size_t(i)]));
  // Integer inputs may come as I32 (as DESIGN.md's audio contract allows):
  // widened to the manifest's I64. "T" from the first input that has it.
  int64_t T = -1;
  for (HostTensor &t : inputs)
    for (const hyb_io_info_t &info : infos) {
      if (info.is_output || t.name != info.name)
        continue;
      if (t.dtype == HYB_DTYPE_I32 && info.dtype == HYB_DTYPE_I64) {
        std::vector<uint8_t> wide(t.data.size() * 2);
        for (size_t j = 0; j < t.data.size() / 4; ++j) {
          int32_t v;
          std::memcpy(&v, &t.data[j * 4], 4);
          int64_t w = v;
          std::memcpy(&wide[j * 8], &w, 8);
        }
        t.data.swap(wide);
        t.dtype = HYB_DTYPE_I64;
      }
      if (int32_t(t.shape.size()) == info.rank)
        for (int32_t d = 0; d < info.rank && T < 0; ++d)
          if (info.shape[d] == HYB_DIM_T)
            T = t.shape[size_t(d)];
    }
  std::vector<HostTensor> outputs;
  for (const hyb_io_info_t &info : infos) {
    if (!info.is_output)
      continue;
    HostTensor t;
    t.name = info.name;
    t.dtype = info.dtype;
    uint64_t numel = 1;
    for (int32_t d = 0; d < info.rank; ++d) {
      int64_t size = info.shape[d] == HYB_DIM_B   ? o.batch
                     : info.shape[d] == HYB_DIM_T ? std::max<int64_t>(T, 0)
                                                  : info.shape[d];
      t.shape.push_back(size);
      numel *= uint64_t(size);
    }
    t.data.resize(size_t(numel * hyb_dtype_size(t.dtype)));
    outputs.push_back(std::move(t));
  }
  std::vector<hyb_tensor_t> in, out;
  for (HostTensor &t : inputs)
    in.push_back(t.view());
  for (HostTensor &t : outputs)
    out.push_back(t.view());
  int64_t before = hyb_session_position(session, 0);
  check(hyb_session_call(session, entry, in.data(), in.size(), out.data(),
                         out.size()));
  std::printf("call: %s at position %lld, position now %lld\n", entry,
              (long long)before, (long long)hyb_session_position(session, 0));
  for (const HostTensor &t : outputs)
    std::printf("output %s: %s %s\n", t.name.c_str(), hyb_dtype_name(t.dtype),
                formatShape(t.shape).c_str());
  if (!o.outputs.empty()) {
    writeTensors(o.outputs, outputs);
    std::printf("outputs: wrote %s\n", o.outputs.c_str());
  }
}

} // namespace

[[noreturn]] void hybrid_run::fail(const std::string &message) {
  std::string line = message;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::fprintf(stderr, "hybrid-run: error: %s\n", line.c_str());
  std::exit(1);
}

void hybrid_run::check(hyb_status_t status) {
  if (!status)
    return;
  std::string message = hyb_status_message(status);
  hyb_status_free(status);
  fail(message);
}

std::vector<float> hybrid_run::allocateLogits(int64_t batch, int64_t tokens,
                                              int64_t vocab) {
  uint64_t count = 0;
  if (!__builtin_mul_overflow(uint64_t(batch), uint64_t(tokens), &count) &&
      !__builtin_mul_overflow(count, uint64_t(vocab), &count) &&
      count <= std::vector<float>().max_size()) {
    try {
      return std::vector<float>(size_t(count));
    } catch (const std::bad_alloc &) {
    }
  }
  fail("the logits of " + std::to_string(batch) + " sequences x " +
       std::to_string(tokens) + " tokens x vocab " + std::to_string(vocab) +
       " do not fit in memory");
}

int64_t hybrid_run::argmax(const float *row, int64_t n) {
  int64_t best = 0;
  bool found = false;
  for (int64_t v = 0; v < n; ++v)
    if (!std::isnan(row[v]) && (!found || row[v] > row[best])) {
      best = v;
      found = true;
    }
  return best;
}

int main(int argc, char **argv) {
  // One line at a time, also into a pipe: a benchmark stopped by a time
  // limit keeps the measurements it printed (prefill before decode).
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o = parseArgs(argc, argv);
  std::vector<int64_t> prompt;
  if (!o.tokens.empty())
    prompt = parseTokens(o.tokens);
  if (o.generate > 0 && prompt.empty())
    fail("--generate needs a prompt (--tokens)");
  if (!o.dumpLogits.empty() && prompt.empty() && !audioMode(o))
    fail("--dump-logits needs a prompt (--tokens)");

  hyb_module_options_t mo;
  hyb_module_options_init(&mo);
  mo.device = o.device == "cuda"  ? HYB_DEVICE_CUDA
              : o.device == "cpu" ? HYB_DEVICE_CPU
                                  : HYB_DEVICE_AUTO;
  mo.num_threads = int32_t(o.threads);
  hyb_module_t *module = nullptr;
  check(hyb_module_load_with_options(o.artifact.c_str(), &mo, &module));
  if (!o.weights.empty() && o.generatedSeed >= 0)
    fail("--weights and --generated-weights are exclusive");
  if (!o.weights.empty())
    check(hyb_module_bind_weights_with_flags(module, o.weights.c_str(), bindFlags(o)));
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

  // Moshi's --bench alone times frames (from an empty state), not tokens.
  const bool audio = audioMode(o) || (o.bench && prompt.empty() && isMoshi(module));
  if (o.bench && o.benchAgainst.empty() && !audio)
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
      check(hyb_module_bind_weights_with_flags(other, o.weights.c_str(), bindFlags(o)));
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

  if (!o.call.empty())
    runCall(module, session, o);
  std::vector<std::string> frameLines;
  if (audio)
    frameLines = runAudio(module, session, o);

  std::vector<int64_t> generated;
  if (!prompt.empty()) {
    const int64_t B = o.batch, T = int64_t(prompt.size());
    if (o.generate > 0) {
      // Check the whole run against max_seq before anything runs. The last
      // position is position + T + N - 1, which for N near INT64_MAX does
      // not fit int64: compare N with the room left instead.
      const int64_t position = hyb_session_position(session, 0);
      const int64_t maxSeq = hyb_module_max_seq(module);
      // No overflow here: position is in [0, max_seq], T at most the
      // length of a command line.
      const int64_t room = maxSeq - position - (T - 1);
      if (o.generate > room) {
        int64_t end = 0;
        std::string reaches =
            __builtin_add_overflow(position + T - 1, o.generate, &end)
                ? "a position past " + std::to_string(kInt64Max)
                : "position " + std::to_string(end);
        fail("--generate " + std::to_string(o.generate) + " after " +
             std::to_string(T) + " prompt tokens at position " +
             std::to_string(position) + " reaches " + reaches +
             ", past max_seq " + std::to_string(maxSeq));
      }
    }
    std::vector<int64_t> batchTokens;
    for (int64_t b = 0; b < B; ++b)
      batchTokens.insert(batchTokens.end(), prompt.begin(), prompt.end());
    std::vector<float> logits = allocateLogits(B, T, V);
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
  for (const std::string &line : frameLines)
    std::printf("%s\n", line.c_str());
  hyb_session_free(session);
  hyb_module_free(module);
  // The generated tokens are the last line of stdout: a run whose output
  // was lost (a full disk, a closed pipe) must not exit 0.
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    fail(std::string("cannot write stdout: ") + std::strerror(errno));
  return 0;
}
