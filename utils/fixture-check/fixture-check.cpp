//===- fixture-check.cpp - an artifact against an HF reference fixture ----===//
//
//   fixture-check ARTIFACT FIXTURE_DIR [--rtol X]
//
// FIXTURE_DIR holds model.safetensors and reference.safetensors (made by
// scripts/make_hf_fixtures.py: prompt_ids, float64 logits, greedy_ids).
// Checks, through the runtime's C API:
//   logits    prompt logits from one prefill, ‖got−ref‖/‖ref‖ <= rtol
//   greedy    the reference's greedy continuation, through the decode entry
//   split     prefill of the first T-k tokens then k decodes give the same
//             logits as the one prefill of T tokens
//   fork      a fork after the prompt continues exactly like the original
//   reset     a reset session reproduces the first prefill bit for bit
// Prints one line per check and "fixture-check: N passed, N failed".
//
//===----------------------------------------------------------------------===//

#include "hybrid/runtime.h"
#include "runtime/src/safetensors.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

int passed = 0, failed = 0;

void report(bool ok, const char *name, const std::string &detail) {
  std::printf("%s %-7s %s\n", ok ? "PASS" : "FAIL", name, detail.c_str());
  (ok ? passed : failed)++;
}

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "fixture-check: %s\n", message.c_str());
  std::exit(2);
}

void check(hyb_status_t status, const char *what) {
  if (!status)
    return;
  std::string message = hyb_status_message(status);
  hyb_status_free(status);
  die(std::string(what) + ": " + message);
}

struct Reference {
  std::vector<int64_t> prompt, greedy;
  std::vector<double> logits; // [T, V]
};

template <typename T>
std::vector<T> readTensor(const hyb::SafetensorsFile &file, const char *name,
                          hyb::StDtype dtype) {
  const hyb::SafetensorsTensor *t = file.find(name);
  if (!t || t->dtype != dtype)
    die(std::string("reference has no tensor '") + name + "' of the expected dtype");
  std::vector<T> out(t->numBytes() / sizeof(T));
  std::memcpy(out.data(), t->data, t->numBytes());
  return out;
}

double relativeError(const std::vector<float> &got, const double *ref,
                     size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = got[i] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  return std::sqrt(num / den);
}

std::string fmt(const char *format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3)
    die("usage: fixture-check ARTIFACT FIXTURE_DIR [--rtol X]");
  std::string artifact = argv[1], fixture = argv[2];
  double rtol = 1e-4;
  for (int i = 3; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--rtol") == 0)
      rtol = std::atof(argv[++i]);

  std::shared_ptr<hyb::MappedFile> map;
  check(hyb::MappedFile::open(fixture + "/reference.safetensors", &map),
        "reference");
  hyb::SafetensorsFile file;
  check(hyb::parseSafetensors(map->data(), map->size(), map->path(), &file),
        "reference");
  Reference ref;
  ref.prompt = readTensor<int64_t>(file, "prompt_ids", hyb::StDtype::I64);
  ref.greedy = readTensor<int64_t>(file, "greedy_ids", hyb::StDtype::I64);
  ref.logits = readTensor<double>(file, "logits", hyb::StDtype::F64);

  hyb_module_t *module = nullptr;
  check(hyb_module_load(artifact.c_str(), &module), "load");
  check(hyb_module_bind_weights(module, fixture.c_str()), "weights");
  const int64_t vocab = hyb_module_vocab_size(module);
  const int64_t T = static_cast<int64_t>(ref.prompt.size());
  if (static_cast<int64_t>(ref.logits.size()) != T * vocab)
    die("reference logits are not [T, vocab]");

  hyb_session_options_t options;
  hyb_session_options_init(&options);
  hyb_session_t *session = nullptr;
  check(hyb_session_create(module, &options, &session), "session");

  // logits: one prefill of the whole prompt.
  std::vector<float> logits(T * vocab);
  check(hyb_session_prefill(session, ref.prompt.data(), T, logits.data()),
        "prefill");
  double err = relativeError(logits, ref.logits.data(), logits.size());
  report(err <= rtol, "logits",
         "rel err " + fmt("%.3e", err) + " (tolerance " + fmt("%.0e", rtol) +
             ", " + std::to_string(T) + " tokens)");

  // fork: after the prompt, the fork and the original continue alike.
  hyb_session_t *fork = nullptr;
  check(hyb_session_fork(session, &fork), "fork");

  // greedy: the reference continuation through the decode entry point.
  const int64_t n = static_cast<int64_t>(ref.greedy.size());
  std::vector<int64_t> tokens(n);
  hyb_session_t *fresh = nullptr;
  check(hyb_session_create(module, &options, &fresh), "session");
  check(hyb_session_generate_greedy(fresh, ref.prompt.data(), T, n,
                                    tokens.data()),
        "generate");
  int64_t same = 0;
  while (same < n && tokens[same] == ref.greedy[same])
    ++same;
  report(same == n, "greedy",
         std::to_string(same) + "/" + std::to_string(n) +
             " tokens equal to the reference");

  // The original and the fork decode the same 8 tokens, bit for bit.
  auto decodeRun = [&](hyb_session_t *s, std::vector<float> &all) {
    int64_t next = ref.greedy[0];
    std::vector<float> step(vocab);
    for (int i = 0; i < 8; ++i) {
      check(hyb_session_decode(s, &next, step.data()), "decode");
      all.insert(all.end(), step.begin(), step.end());
      next = ref.greedy[(i + 1) % n];
    }
  };
  std::vector<float> a, b;
  decodeRun(session, a);
  decodeRun(fork, b);
  report(a == b, "fork", "8 decode steps of a fork equal the original's");

  // split: prefill T-k then k decodes == rows of the single prefill.
  const int64_t k = std::min<int64_t>(4, T - 1);
  hyb_session_t *split = nullptr;
  check(hyb_session_create(module, &options, &split), "session");
  std::vector<float> part((T - k) * vocab);
  check(hyb_session_prefill(split, ref.prompt.data(), T - k, part.data()),
        "prefill");
  std::vector<float> joined(part);
  std::vector<float> step(vocab);
  for (int64_t i = T - k; i < T; ++i) {
    check(hyb_session_decode(split, &ref.prompt[i], step.data()), "decode");
    joined.insert(joined.end(), step.begin(), step.end());
  }
  std::vector<double> whole(logits.begin(), logits.end());
  double splitErr = relativeError(joined, whole.data(), whole.size());
  report(splitErr <= rtol, "split",
         "prefill " + std::to_string(T - k) + " + " + std::to_string(k) +
             " decodes vs one prefill: rel err " + fmt("%.3e", splitErr));

  // reset: the first prefill again, bit for bit.
  check(hyb_session_reset(split), "reset");
  std::vector<float> again(T * vocab);
  check(hyb_session_prefill(split, ref.prompt.data(), T, again.data()),
        "prefill");
  report(again == logits, "reset", "prefill after reset is bit-identical");

  hyb_session_free(split);
  hyb_session_free(fresh);
  hyb_session_free(fork);
  hyb_session_free(session);
  hyb_module_free(module);
  std::printf("fixture-check: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
