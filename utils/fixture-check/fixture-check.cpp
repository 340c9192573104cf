//===- fixture-check.cpp - an artifact against an HF reference fixture ----===//
//
//   fixture-check ARTIFACT FIXTURE_DIR [--rtol X] [--reference FILE]
//                 [--device cpu|cuda|auto]
//
// --reference names the reference in FIXTURE_DIR (default
// reference.safetensors; reference_bf16.safetensors is the model with its
// weights rounded to bf16, scripts/make_bf16_references.py).
// --device picks the backend (default auto: the artifact's target.kind);
// every check runs the same on a CUDA session.
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
//   save      a session saved after the prompt and loaded into another
//             continues like the original, bit for bit
//   batch     a session of B=3 copies of the prompt: every row's logits as
//             batch 1's (rel err <= 1e-6) and every row's greedy tokens the
//             reference's
// Prints one line per check and "fixture-check: N passed, N failed".
//
// A multi-codebook audio fixture (test/fixtures/zonos: its reference holds
// codes [1, C, T], prefix_hidden_states [1, P, d], prefill_logits
// [1, C, P+T, V] and greedy_frames [N, C]) gets the audio checks instead:
//   logits    the prefix (@prefill_embeds) then the codes (@prefill): every
//             codebook's logits at every position, ‖got−ref‖/‖ref‖ <= rtol
//   frames    the reference's greedy frames: frame 0 the argmax of the last
//             position, then @frame fed its own output
//   fork      a fork after the prompt continues like the original: 8 decode
//             steps bit for bit, and the same frames through @frame
//   split     the prompt's codes but the last k, then k decodes, give the
//             one prefill's logits
//   reset     a reset session reproduces the prompt's logits bit for bit
//   save      a session saved after the prompt and loaded into another
//             continues like the original, bit for bit
//   batch     a session of B=3 copies of the prompt: every row's logits as
//             batch 1's (rel err <= 1e-6), every row's frames the reference's
//
// A Moshi fixture (test/fixtures/moshi: its reference holds gen_user_audio
// and greedy_frames [N, 1 + dep_q]) gets the checks of moshi.cpp: frames,
// depth (each frame's depth pass starts afresh), fork and save.
//
// Two helpers for tests of the generic call (hybrid-run --call):
//   fixture-check --write OUT NAME DTYPE DIMS VALUES
//       writes a safetensors file of one tensor: DTYPE i64|i32|f32, DIMS
//       like 1x4x9, VALUES comma-separated, exactly prod(DIMS) of them
//   fixture-check --compare A B [--rtol X]   (NaN in both at a place agrees)
//       A and B are FILE:TENSOR[@DIM=INDEX]: f32 tensors, or their slices at
//       INDEX along DIM; passes if the shapes agree and
//       ||a - b|| / ||b|| <= rtol (default 1e-5); exit status 1 if not
//   fixture-check --print FILE:TENSOR
//       prints an I64 tensor [rows, cols] one row a line, space-separated
//       (as hybrid-run --generate-frames prints frames)
//
//===----------------------------------------------------------------------===//

#include "hybrid/runtime.h"
#include "runtime/src/safetensors.h"
#include "runtime/src/tensor_view.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

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

// For moshi.cpp.
void fixtureReport(bool ok, const char *name, const std::string &detail) {
  report(ok, name, detail);
}
void fixtureDie(const std::string &message) { die(message); }
void fixtureCheck(hyb_status_t status, const char *what) { check(status, what); }
int checkMoshi(const std::string &artifact, const std::string &fixture,
               const hyb::SafetensorsFile &file, hyb_module_options_t options);

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos)
      return out;
    start = end + 1;
  }
}

int writeTensor(int argc, char **argv) {
  if (argc != 7)
    die("usage: fixture-check --write OUT NAME DTYPE DIMS VALUES");
  std::string out = argv[2], name = argv[3], dtype = argv[4];
  std::vector<int64_t> shape;
  uint64_t numel = 1;
  for (const std::string &d : split(argv[5], 'x')) {
    shape.push_back(std::atoll(d.c_str()));
    numel *= uint64_t(shape.back());
  }
  std::vector<std::string> values = split(argv[6], ',');
  if (values.size() != numel)
    die("--write: " + std::to_string(values.size()) + " values for " +
        std::to_string(numel) + " elements");
  std::vector<int64_t> i64;
  std::vector<int32_t> i32;
  std::vector<float> f32;
  for (const std::string &v : values) {
    i64.push_back(std::atoll(v.c_str()));
    i32.push_back(int32_t(std::atoll(v.c_str())));
    f32.push_back(float(std::atof(v.c_str())));
  }
  hyb::SafetensorsWriteTensor t{name, hyb::StDtype::I64, shape, i64.data(),
                                numel * 8};
  if (dtype == "i32")
    t = {name, hyb::StDtype::I32, shape, i32.data(), numel * 4};
  else if (dtype == "f32")
    t = {name, hyb::StDtype::F32, shape, f32.data(), numel * 4};
  else if (dtype != "i64")
    die("--write: dtype " + dtype + " (expected i64, i32 or f32)");
  std::string bytes = hyb::writeSafetensors({t});
  FILE *f = std::fopen(out.c_str(), "wb");
  if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() ||
      std::fclose(f) != 0)
    die("--write: cannot write " + out);
  return 0;
}

/// FILE:TENSOR[@DIM=INDEX], f32: its values and shape.
struct Slice {
  std::vector<float> values;
  std::vector<int64_t> shape;
};
Slice readSlice(const std::string &spec) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos)
    die("--compare: expected FILE:TENSOR[@DIM=INDEX], got " + spec);
  std::string path = spec.substr(0, colon), name = spec.substr(colon + 1);
  int64_t dim = -1, index = 0;
  size_t at = name.find('@');
  if (at != std::string::npos) {
    std::vector<std::string> di = split(name.substr(at + 1), '=');
    if (di.size() != 2)
      die("--compare: expected @DIM=INDEX in " + spec);
    dim = std::atoll(di[0].c_str());
    index = std::atoll(di[1].c_str());
    name = name.substr(0, at);
  }
  std::shared_ptr<hyb::MappedFile> map;
  check(hyb::MappedFile::open(path, &map), "compare");
  hyb::SafetensorsFile file;
  check(hyb::parseSafetensors(map->data(), map->size(), map->path(), &file),
        "compare");
  const hyb::SafetensorsTensor *t = file.find(name);
  if (!t || t->dtype != hyb::StDtype::F32)
    die(path + ": no F32 tensor '" + name + "'");
  std::vector<float> all(t->numBytes() / 4);
  std::memcpy(all.data(), t->data, t->numBytes());
  Slice s;
  if (dim < 0) {
    s.values = all;
    s.shape = t->shape;
    return s;
  }
  if (dim >= int64_t(t->shape.size()) || index < 0 ||
      index >= t->shape[size_t(dim)])
    die(spec + ": no index " + std::to_string(index) + " along dim " +
        std::to_string(dim) + " of " + hyb::formatShape(t->shape));
  int64_t outer = 1, inner = 1, n = t->shape[size_t(dim)];
  for (int64_t d = 0; d < dim; ++d)
    outer *= t->shape[size_t(d)];
  for (size_t d = size_t(dim) + 1; d < t->shape.size(); ++d)
    inner *= t->shape[d];
  for (int64_t o = 0; o < outer; ++o)
    s.values.insert(s.values.end(), all.begin() + (o * n + index) * inner,
                    all.begin() + (o * n + index + 1) * inner);
  for (size_t d = 0; d < t->shape.size(); ++d)
    if (int64_t(d) != dim)
      s.shape.push_back(t->shape[d]);
  return s;
}

int compareTensors(int argc, char **argv) {
  if (argc < 4)
    die("usage: fixture-check --compare A B [--rtol X]");
  double rtol = 1e-5;
  for (int i = 4; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--rtol") == 0)
      rtol = std::atof(argv[++i]);
  Slice a = readSlice(argv[2]), b = readSlice(argv[3]);
  if (a.shape != b.shape) {
    report(false, "compare",
           "shapes " + hyb::formatShape(a.shape) + " and " + hyb::formatShape(b.shape));
    return 1;
  }
  double diff = 0, norm = 0;
  bool finite = true;
  int64_t bothNaN = 0;
  for (size_t i = 0; i < a.values.size(); ++i) {
    // NaN in both at one place is agreement: a position with no logits
    // (Moshi's forward leaves its delayed tail NaN).
    if (std::isnan(a.values[i]) && std::isnan(b.values[i])) {
      ++bothNaN;
      continue;
    }
    double d = double(a.values[i]) - double(b.values[i]);
    diff += d * d;
    norm += double(b.values[i]) * double(b.values[i]);
    finite = finite && std::isfinite(a.values[i]) && std::isfinite(b.values[i]);
  }
  double rel = norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
  char detail[160];
  std::snprintf(detail, sizeof detail, "%s rel err %.3g (rtol %.3g)%s",
                hyb::formatShape(a.shape).c_str(), rel, rtol,
                bothNaN ? (", " + std::to_string(bothNaN) + " NaN in both").c_str() : "");
  bool ok = finite && rel <= rtol;
  report(ok, "compare", finite ? detail : "non-finite values");
  return ok ? 0 : 1;
}

/// The audio fixture's checks (see the top of the file).
struct AudioCheck {
  hyb_module_t *module;
  hyb_session_options_t options;
  int64_t C, V, D, T, P;
  std::vector<int64_t> codes;     // [T, C], the session's layout
  std::vector<float> prefix;      // [P, D]
  std::vector<double> logits;     // [P + T, C, V]
  std::vector<int64_t> frames;    // [N, C]

  hyb_session_t *session() {
    hyb_session_t *s = nullptr;
    check(hyb_session_create(module, &options, &s), "session");
    return s;
  }
  static hyb_tensor_t tensor(const char *name, hyb_dtype_t dtype,
                             const std::vector<int64_t> &shape, const void *data) {
    return hyb::tensorView(name, dtype, shape, data);
  }
  void call(hyb_session_t *s, const char *entry, hyb_tensor_t in,
            hyb_tensor_t out) {
    check(hyb_session_call(s, entry, &in, 1, &out, 1), entry);
    check(hyb_session_synchronize(s), entry);
  }
  /// Codes [from, to) through @prefill: their logits [to - from, C, V].
  std::vector<float> prefillCodes(hyb_session_t *s, int64_t from, int64_t to) {
    std::vector<float> out(size_t((to - from) * C * V));
    call(s, "prefill",
         tensor("tokens", HYB_DTYPE_I64, {1, to - from, C}, &codes[size_t(from * C)]),
         tensor("logits", HYB_DTYPE_F32, {1, to - from, C, V}, out.data()));
    return out;
  }
  /// The whole prompt: the prefix, then the codes; logits [P + T, C, V].
  std::vector<float> prompt(hyb_session_t *s) {
    std::vector<float> out(size_t(P * C * V));
    call(s, "prefill_embeds", tensor("embeds", HYB_DTYPE_F32, {1, P, D}, prefix.data()),
         tensor("logits", HYB_DTYPE_F32, {1, P, C, V}, out.data()));
    std::vector<float> rest = prefillCodes(s, 0, T);
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  }
  /// |n| greedy frames after the prompt whose last logits are |last|.
  std::vector<int64_t> greedy(hyb_session_t *s, const float *last, int64_t n) {
    std::vector<int64_t> out, next(static_cast<size_t>(C));
    for (int64_t c = 0; c < C; ++c) {
      const float *row = last + c * V;
      out.push_back(std::max_element(row, row + V) - row);
    }
    for (int64_t i = 1; i < n; ++i) {
      call(s, "frame",
           tensor("tokens", HYB_DTYPE_I64, {1, 1, C}, &out[size_t((i - 1) * C)]),
           tensor("next_token", HYB_DTYPE_I64, {1, 1, C}, next.data()));
      out.insert(out.end(), next.begin(), next.end());
    }
    return out;
  }
  /// 8 @decode steps fed the reference's frames: their logits.
  std::vector<float> decodeRun(hyb_session_t *s) {
    std::vector<float> all, step(size_t(C * V));
    for (int64_t i = 0; i < 8; ++i) {
      const int64_t *frame = &frames[size_t((i % (frames.size() / C)) * C)];
      call(s, "decode", tensor("tokens", HYB_DTYPE_I64, {1, 1, C}, frame),
           tensor("logits", HYB_DTYPE_F32, {1, 1, C, V}, step.data()));
      all.insert(all.end(), step.begin(), step.end());
    }
    return all;
  }
};

int checkAudio(const std::string &artifact, const std::string &fixture,
               const hyb::SafetensorsFile &file, double rtol,
               const hyb_module_options_t &moduleOptions) {
  auto tensorOf = [&](const char *name, size_t rank) {
    const hyb::SafetensorsTensor *t = file.find(name);
    if (!t || t->shape.size() != rank)
      die(std::string("reference has no rank-") + std::to_string(rank) +
          " tensor '" + name + "'");
    return t;
  };
  const hyb::SafetensorsTensor *codesT = tensorOf("codes", 3),
                               *prefixT = tensorOf("prefix_hidden_states", 3),
                               *logitsT = tensorOf("prefill_logits", 4),
                               *framesT = tensorOf("greedy_frames", 2);
  AudioCheck a;
  a.C = codesT->shape[1];
  a.T = codesT->shape[2];
  a.P = prefixT->shape[1];
  a.D = prefixT->shape[2];
  a.V = logitsT->shape[3];
  std::vector<int64_t> codes = readTensor<int64_t>(file, "codes", hyb::StDtype::I64);
  a.codes.resize(codes.size());
  for (int64_t c = 0; c < a.C; ++c) // [1, C, T] -> [T, C]
    for (int64_t t = 0; t < a.T; ++t)
      a.codes[size_t(t * a.C + c)] = codes[size_t(c * a.T + t)];
  a.prefix = readTensor<float>(file, "prefix_hidden_states", hyb::StDtype::F32);
  std::vector<float> ref = readTensor<float>(file, "prefill_logits", hyb::StDtype::F32);
  const int64_t L = a.P + a.T;
  a.logits.resize(ref.size());
  for (int64_t c = 0; c < a.C; ++c) // [1, C, L, V] -> [L, C, V]
    for (int64_t p = 0; p < L; ++p)
      for (int64_t v = 0; v < a.V; ++v)
        a.logits[size_t((p * a.C + c) * a.V + v)] = ref[size_t((c * L + p) * a.V + v)];
  a.frames = readTensor<int64_t>(file, "greedy_frames", hyb::StDtype::I64);
  const int64_t N = framesT->shape[0];

  check(hyb_module_load_with_options(artifact.c_str(), &moduleOptions, &a.module), "load");
  check(hyb_module_bind_weights(a.module, fixture.c_str()), "weights");
  hyb_session_options_init(&a.options);

  // logits: every codebook on its own.
  hyb_session_t *s = a.session();
  std::vector<float> got = a.prompt(s);
  double worst = 0;
  int64_t worstCodebook = 0;
  for (int64_t c = 0; c < a.C; ++c) {
    std::vector<float> g;
    std::vector<double> r;
    for (int64_t p = 0; p < L; ++p) {
      size_t at = size_t((p * a.C + c) * a.V);
      g.insert(g.end(), got.begin() + long(at), got.begin() + long(at + a.V));
      r.insert(r.end(), a.logits.begin() + long(at), a.logits.begin() + long(at + a.V));
    }
    double e = relativeError(g, r.data(), r.size());
    if (e > worst || c == 0) {
      worst = e;
      worstCodebook = c;
    }
  }
  report(worst <= rtol, "logits",
         "max rel err over " + std::to_string(a.C) + " codebooks " + fmt("%.3e", worst) +
             " (codebook " + std::to_string(worstCodebook) + ", tolerance " +
             fmt("%.0e", rtol) + ", " + std::to_string(a.P) + " prefix + " +
             std::to_string(a.T) + " frames)");

  // fork, then frames from both.
  hyb_session_t *fork = nullptr;
  check(hyb_session_fork(s, &fork), "fork");
  const float *last = got.data() + (L - 1) * a.C * a.V;
  std::vector<int64_t> frames = a.greedy(s, last, N);
  int64_t same = 0;
  while (same < N && std::equal(frames.begin() + same * a.C,
                                frames.begin() + (same + 1) * a.C,
                                a.frames.begin() + same * a.C))
    ++same;
  report(same == N, "frames",
         std::to_string(same) + "/" + std::to_string(N) +
             " greedy frames equal to the reference");
  std::vector<int64_t> forkFrames = a.greedy(fork, last, N);
  hyb_session_t *fork2 = nullptr, *orig = a.session();
  a.prompt(orig);
  check(hyb_session_fork(orig, &fork2), "fork");
  bool decodeSame = a.decodeRun(orig) == a.decodeRun(fork2);
  report(forkFrames == frames && decodeSame, "fork",
         "a fork after the prompt: the same frames, and 8 decode steps equal the "
         "original's");

  // split: all codes but the last k, then k decodes.
  const int64_t k = std::min<int64_t>(3, a.T - 1);
  hyb_session_t *split = a.session();
  std::vector<float> joined(size_t(a.P * a.C * a.V));
  a.call(split, "prefill_embeds",
         AudioCheck::tensor("embeds", HYB_DTYPE_F32, {1, a.P, a.D}, a.prefix.data()),
         AudioCheck::tensor("logits", HYB_DTYPE_F32, {1, a.P, a.C, a.V}, joined.data()));
  std::vector<float> part = a.prefillCodes(split, 0, a.T - k);
  joined.insert(joined.end(), part.begin(), part.end());
  std::vector<float> step(size_t(a.C * a.V));
  for (int64_t t = a.T - k; t < a.T; ++t) {
    a.call(split, "decode",
           AudioCheck::tensor("tokens", HYB_DTYPE_I64, {1, 1, a.C}, &a.codes[size_t(t * a.C)]),
           AudioCheck::tensor("logits", HYB_DTYPE_F32, {1, 1, a.C, a.V}, step.data()));
    joined.insert(joined.end(), step.begin(), step.end());
  }
  std::vector<double> whole(got.begin(), got.end());
  double splitErr = relativeError(joined, whole.data(), whole.size());
  report(splitErr <= rtol, "split",
         "prefix + " + std::to_string(a.T - k) + " frames + " + std::to_string(k) +
             " decodes vs the prompt at once: rel err " + fmt("%.3e", splitErr));

  // reset: the prompt again, bit for bit.
  check(hyb_session_reset(split), "reset");
  report(a.prompt(split) == got, "reset", "the prompt after reset is bit-identical");

  // save and load.
  hyb_session_t *saved = a.session(), *loaded = a.session();
  a.prompt(saved);
  std::string statePath = "/tmp/fixture-check-audio-" +
                          std::to_string(static_cast<long>(getpid())) + ".state";
  check(hyb_session_save(saved, statePath.c_str()), "save");
  check(hyb_session_load(loaded, statePath.c_str()), "load");
  std::remove(statePath.c_str());
  report(a.decodeRun(saved) == a.decodeRun(loaded), "save",
         "8 decode steps after save and load equal the original's");

  // batch: three copies of the prompt in one session of B = 3.
  const int64_t B = 3;
  hyb_session_options_t batchOptions;
  hyb_session_options_init(&batchOptions);
  batchOptions.batch_size = B;
  hyb_session_t *batch = nullptr;
  check(hyb_session_create(a.module, &batchOptions, &batch), "session");
  std::vector<float> batchPrefix, prefixLogits(size_t(B * a.P * a.C * a.V)),
      codesLogits(size_t(B * a.T * a.C * a.V));
  std::vector<int64_t> batchCodes;
  for (int64_t b = 0; b < B; ++b) {
    batchPrefix.insert(batchPrefix.end(), a.prefix.begin(), a.prefix.end());
    batchCodes.insert(batchCodes.end(), a.codes.begin(), a.codes.end());
  }
  a.call(batch, "prefill_embeds",
         AudioCheck::tensor("embeds", HYB_DTYPE_F32, {B, a.P, a.D}, batchPrefix.data()),
         AudioCheck::tensor("logits", HYB_DTYPE_F32, {B, a.P, a.C, a.V}, prefixLogits.data()));
  a.call(batch, "prefill",
         AudioCheck::tensor("tokens", HYB_DTYPE_I64, {B, a.T, a.C}, batchCodes.data()),
         AudioCheck::tensor("logits", HYB_DTYPE_F32, {B, a.T, a.C, a.V}, codesLogits.data()));
  double batchErr = 0;
  const size_t prefixRow = size_t(a.P * a.C * a.V), codesRow = size_t(a.T * a.C * a.V);
  std::vector<int64_t> cur, next(static_cast<size_t>(B * a.C));
  for (int64_t b = 0; b < B; ++b) {
    std::vector<float> row(prefixLogits.begin() + long(b * prefixRow),
                           prefixLogits.begin() + long((b + 1) * prefixRow));
    row.insert(row.end(), codesLogits.begin() + long(b * codesRow),
               codesLogits.begin() + long((b + 1) * codesRow));
    batchErr = std::max(batchErr, relativeError(row, whole.data(), whole.size()));
    for (int64_t c = 0; c < a.C; ++c) {
      const float *r = row.data() + ((L - 1) * a.C + c) * a.V;
      cur.push_back(std::max_element(r, r + a.V) - r);
    }
  }
  std::vector<std::vector<int64_t>> rowFrames(static_cast<size_t>(B));
  for (int64_t i = 0; i < N; ++i) {
    if (i) {
      a.call(batch, "frame", AudioCheck::tensor("tokens", HYB_DTYPE_I64, {B, 1, a.C}, cur.data()),
             AudioCheck::tensor("next_token", HYB_DTYPE_I64, {B, 1, a.C}, next.data()));
      cur = next;
    }
    for (int64_t b = 0; b < B; ++b)
      rowFrames[size_t(b)].insert(rowFrames[size_t(b)].end(), cur.begin() + b * a.C,
                                  cur.begin() + (b + 1) * a.C);
  }
  int64_t rowsEqual = 0;
  for (const std::vector<int64_t> &f : rowFrames)
    rowsEqual += f == a.frames;
  const double batchTol = 1e-6;
  report(batchErr <= batchTol && rowsEqual == B, "batch",
         "B=3 rows vs batch 1: rel err " + fmt("%.3e", batchErr) + " (tolerance " +
             fmt("%.0e", batchTol) + "), " + std::to_string(rowsEqual) +
             "/3 rows of frames equal");

  for (hyb_session_t *x : {s, fork, fork2, orig, split, saved, loaded, batch})
    hyb_session_free(x);
  hyb_module_free(a.module);
  std::printf("fixture-check: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

int printRows(int argc, char **argv) {
  std::string spec = argc == 3 ? argv[2] : "";
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos)
    die("usage: fixture-check --print FILE:TENSOR");
  std::shared_ptr<hyb::MappedFile> map;
  check(hyb::MappedFile::open(spec.substr(0, colon), &map), "print");
  hyb::SafetensorsFile file;
  check(hyb::parseSafetensors(map->data(), map->size(), map->path(), &file), "print");
  std::string name = spec.substr(colon + 1);
  const hyb::SafetensorsTensor *t = file.find(name);
  if (!t || t->dtype != hyb::StDtype::I64 || t->shape.size() != 2)
    die(spec + ": no I64 tensor '" + name + "' of rank 2");
  std::vector<int64_t> v = readTensor<int64_t>(file, name.c_str(), hyb::StDtype::I64);
  for (int64_t r = 0; r < t->shape[0]; ++r)
    for (int64_t c = 0; c < t->shape[1]; ++c)
      std::printf("%lld%s", (long long)v[size_t(r * t->shape[1] + c)],
                  c + 1 < t->shape[1] ? " " : "\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--print") == 0)
    return printRows(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "--write") == 0)
    return writeTensor(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "--compare") == 0)
    return compareTensors(argc, argv);
  if (argc < 3)
    die("usage: fixture-check ARTIFACT FIXTURE_DIR [--rtol X] "
        "[--reference FILE] [--device cpu|cuda|auto]");
  std::string artifact = argv[1], fixture = argv[2];
  double rtol = 1e-4;
  std::string referenceName = "reference.safetensors";
  hyb_module_options_t moduleOptions;
  hyb_module_options_init(&moduleOptions);
  moduleOptions.device = HYB_DEVICE_AUTO;
  for (int i = 3; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc)
      die(flag + " needs a value");
    std::string value = argv[++i];
    if (flag == "--rtol") {
      rtol = std::atof(value.c_str());
    } else if (flag == "--reference") {
      referenceName = value;
    } else if (flag == "--device") {
      if (value == "cpu")
        moduleOptions.device = HYB_DEVICE_CPU;
      else if (value == "cuda")
        moduleOptions.device = HYB_DEVICE_CUDA;
      else if (value != "auto")
        die("--device: expected cpu, cuda or auto, got '" + value + "'");
    } else {
      die("unknown option " + flag);
    }
  }

  std::shared_ptr<hyb::MappedFile> map;
  check(hyb::MappedFile::open(fixture + "/" + referenceName, &map),
        "reference");
  hyb::SafetensorsFile file;
  check(hyb::parseSafetensors(map->data(), map->size(), map->path(), &file),
        "reference");
  if (file.find("prefill_logits"))
    return checkAudio(artifact, fixture, file, rtol, moduleOptions);
  if (file.find("gen_user_audio")) {
    checkMoshi(artifact, fixture, file, moduleOptions);
    std::printf("fixture-check: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
  }
  Reference ref;
  ref.prompt = readTensor<int64_t>(file, "prompt_ids", hyb::StDtype::I64);
  ref.greedy = readTensor<int64_t>(file, "greedy_ids", hyb::StDtype::I64);
  ref.logits = readTensor<double>(file, "logits", hyb::StDtype::F64);

  hyb_module_t *module = nullptr;
  check(hyb_module_load_with_options(artifact.c_str(), &moduleOptions, &module),
        "load");
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

  // save: a session saved after the prompt and loaded into a new one
  // continues like the original, bit for bit.
  hyb_session_t *saved = nullptr, *loaded = nullptr;
  check(hyb_session_create(module, &options, &saved), "session");
  check(hyb_session_create(module, &options, &loaded), "session");
  check(hyb_session_prefill(saved, ref.prompt.data(), T, nullptr), "prefill");
  std::string statePath = "/tmp/fixture-check-" +
                          std::to_string(static_cast<long>(getpid())) +
                          ".state";
  check(hyb_session_save(saved, statePath.c_str()), "save");
  check(hyb_session_load(loaded, statePath.c_str()), "load");
  std::remove(statePath.c_str());
  std::vector<float> c, d;
  decodeRun(saved, c);
  decodeRun(loaded, d);
  report(c == d, "save", "8 decode steps after save and load equal the original's");

  // batch: three copies of the prompt in one session of B = 3: each row's
  // logits as batch 1's, and each row's greedy tokens the reference's.
  const int64_t B = 3;
  hyb_session_options_t batchOptions;
  hyb_session_options_init(&batchOptions);
  batchOptions.batch_size = B;
  hyb_session_t *batch = nullptr;
  check(hyb_session_create(module, &batchOptions, &batch), "session");
  std::vector<int64_t> prompts;
  for (int64_t r = 0; r < B; ++r)
    prompts.insert(prompts.end(), ref.prompt.begin(), ref.prompt.end());
  std::vector<float> batchLogits(B * T * vocab);
  check(hyb_session_prefill(batch, prompts.data(), T, batchLogits.data()),
        "prefill");
  double batchErr = 0;
  for (int64_t r = 0; r < B; ++r) {
    std::vector<float> row(batchLogits.begin() + r * T * vocab,
                           batchLogits.begin() + (r + 1) * T * vocab);
    batchErr = std::max(batchErr,
                        relativeError(row, whole.data(), whole.size()));
  }
  check(hyb_session_reset(batch), "reset");
  std::vector<int64_t> batchTokens(B * n);
  check(hyb_session_generate_greedy(batch, prompts.data(), T, n,
                                    batchTokens.data()),
        "generate");
  int64_t rowsEqual = 0;
  for (int64_t r = 0; r < B; ++r)
    rowsEqual += std::equal(ref.greedy.begin(), ref.greedy.end(),
                            batchTokens.begin() + r * n);
  // Libraries may order a GEMM's sums by its row count: batch rows agree
  // with batch 1 to f32 rounding, not bit for bit.
  const double batchTol = 1e-6;
  report(batchErr <= batchTol && rowsEqual == B, "batch",
         "B=3 rows vs batch 1: rel err " + fmt("%.3e", batchErr) +
             " (tolerance " + fmt("%.0e", batchTol) + "), " +
             std::to_string(rowsEqual) + "/3 greedy rows equal");

  hyb_session_free(batch);
  hyb_session_free(loaded);
  hyb_session_free(saved);
  hyb_session_free(split);
  hyb_session_free(fresh);
  hyb_session_free(fork);
  hyb_session_free(session);
  hyb_module_free(module);
  std::printf("fixture-check: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
