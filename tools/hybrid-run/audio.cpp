//===- audio.cpp - hybrid-run for multi-codebook audio LMs ----------------===//
//
// The audio contract of DESIGN.md ("hybrid-run for multi-codebook audio
// LMs"): safetensors inputs and outputs with the names and layouts the
// published PyTorch modules take (batch 1 leading), through the generic
// call:
//   --codes FILE     tensor `codes`, I64 or I32 [1, C, T] (Zonos: C = 9)
//   --prefix FILE    tensor `prefix_hidden_states`, F32 [1, P, d_model]:
//                    hidden vectors before the codes (@prefill_embeds)
//   --dump-logits F  tensor `prefill_logits`, F32 [1, C, P + T, V]
//   --generate-frames N  N greedy frames, one line each (the last N lines of
//                    stdout): frame 0 is the argmax of the prompt's last
//                    position, each next one comes from @frame
//   --bench          prefill time, frames/s and the real-time factor
//
//===----------------------------------------------------------------------===//

#include "hybrid-run.h"
#include "tensor_io.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

using namespace hybrid_run;

namespace {

/// The shape of entry point |entry|'s argument |name| (HYB_DIM_B/T
/// symbolic), or fail() naming what is missing.
std::vector<int64_t> ioShape(hyb_module_t *module, const Options &o,
                             const char *entry, const char *name) {
  int64_t count = hyb_module_io_count(module, entry);
  for (int64_t i = 0; i < count; ++i) {
    hyb_io_info_t info;
    check(hyb_module_io_info(module, entry, i, &info));
    if (std::strcmp(info.name, name) == 0)
      return std::vector<int64_t>(info.shape, info.shape + info.rank);
  }
  fail(o.artifact + ": artifact has no '" + entry + "' entry point with '" +
       name + "' (not a multi-codebook audio model, or one without a " +
       "conditioning prefix)");
}

/// "[B, T, 9]" for a shape with HYB_DIM_B and HYB_DIM_T.
std::string formatDims(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + (shape[i] == HYB_DIM_B   ? std::string("B")
                            : shape[i] == HYB_DIM_T ? std::string("T")
                                                    : std::to_string(shape[i]));
  return s + "]";
}

/// Tensor |name| of safetensors file |path|: its dtype one of |dtypes|, its
/// shape [1, dim1, dim2] with dim1 = |dim1| unless it is negative.
HostTensor readInput(const std::string &flag, const std::string &path,
                     const std::string &name,
                     std::initializer_list<hyb_dtype_t> dtypes, int64_t dim1,
                     const std::string &layout) {
  for (HostTensor &t : readTensors(path)) {
    if (t.name != name)
      continue;
    bool dtypeOk = false;
    std::string names;
    for (hyb_dtype_t d : dtypes) {
      dtypeOk |= t.dtype == d;
      names += std::string(names.empty() ? "" : " or ") + hyb_dtype_name(d);
    }
    if (!dtypeOk)
      fail(flag + ": " + path + ": tensor '" + name + "' is " +
           hyb_dtype_name(t.dtype) + ", expected " + names);
    if (t.shape.size() != 3 || t.shape[0] != 1 ||
        (dim1 >= 0 && t.shape[1] != dim1) || t.shape[2] < 1)
      fail(flag + ": " + path + ": tensor '" + name + "' has shape " +
           formatShape(t.shape) + ", expected " + layout);
    return std::move(t);
  }
  fail(flag + ": " + path + ": no tensor '" + name + "' (expected " + layout +
       ")");
}

/// An output of |shape|, zero-filled.
HostTensor outputTensor(const char *name, hyb_dtype_t dtype,
                        std::vector<int64_t> shape) {
  HostTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  uint64_t n = 1;
  for (int64_t d : t.shape)
    n *= uint64_t(d);
  t.data.assign(size_t(n * hyb_dtype_size(dtype)), 0);
  return t;
}

void call(hyb_session_t *session, const char *entry, HostTensor &in,
          HostTensor &out) {
  hyb_tensor_t i = in.view(), o = out.view();
  check(hyb_session_call(session, entry, &i, 1, &o, 1));
  check(hyb_session_synchronize(session));
}

} // namespace

bool hybrid_run::audioMode(const Options &o) {
  return !o.codes.empty() || !o.prefix.empty() || o.generateFrames > 0 ||
         !o.userAudio.empty();
}

std::vector<std::string> hybrid_run::runAudio(hyb_module_t *module,
                                              hyb_session_t *session,
                                              const Options &o) {
  if (isMoshi(module))
    return runMoshi(module, session, o);
  if (!o.userAudio.empty())
    fail("--user-audio is for Moshi models (user streams)");
  if (o.codes.empty() && o.prefix.empty())
    fail("--generate-frames and --bench need a prompt: --codes FILE and/or "
         "--prefix FILE");
  if (!o.dumpLogits.empty() && o.codes.empty())
    fail("--dump-logits needs --codes FILE");
  // The model's codebooks C, from @prefill's tokens [B, T, C], and its
  // logits' width V, from [B, T, C, V].
  std::vector<int64_t> tokensShape = ioShape(module, o, "prefill", "tokens");
  std::vector<int64_t> logitsShape = ioShape(module, o, "prefill", "logits");
  if (tokensShape.size() != 3 || logitsShape.size() != 4)
    fail(o.artifact + ": prefill takes tokens " + formatDims(tokensShape) +
         ", not [B, T, n_codebooks]: not a multi-codebook model (use --tokens)");
  const int64_t C = tokensShape[2], V = logitsShape[3], B = o.batch;

  // Inputs in the session's layouts, every sequence the same.
  HostTensor codes, embeds;
  int64_t T = 0, P = 0;
  if (!o.codes.empty()) {
    HostTensor file = readInput("--codes", o.codes, "codes",
                                {HYB_DTYPE_I64, HYB_DTYPE_I32}, C,
                                "[1, " + std::to_string(C) + ", T]");
    T = file.shape[2];
    codes = outputTensor("tokens", HYB_DTYPE_I64, {B, T, C});
    auto *dst = reinterpret_cast<int64_t *>(codes.data.data());
    for (int64_t c = 0; c < C; ++c)
      for (int64_t t = 0; t < T; ++t) {
        size_t j = size_t(c * T + t);
        int64_t id;
        if (file.dtype == HYB_DTYPE_I32) {
          int32_t v;
          std::memcpy(&v, &file.data[j * 4], 4);
          id = v;
        } else {
          std::memcpy(&id, &file.data[j * 8], 8);
        }
        for (int64_t b = 0; b < B; ++b)
          dst[(b * T + t) * C + c] = id;
      }
  }
  if (!o.prefix.empty()) {
    int64_t D = ioShape(module, o, "prefill_embeds", "embeds").back();
    HostTensor file = readInput("--prefix", o.prefix, "prefix_hidden_states",
                                {HYB_DTYPE_F32}, -1,
                                "[1, P, " + std::to_string(D) + "]");
    if (file.shape[2] != D)
      fail("--prefix: " + o.prefix + ": tensor 'prefix_hidden_states' has shape " +
           formatShape(file.shape) + ", expected [1, P, " + std::to_string(D) +
           "]");
    P = file.shape[1];
    embeds = outputTensor("embeds", HYB_DTYPE_F32, {B, P, D});
    for (int64_t b = 0; b < B; ++b)
      std::memcpy(embeds.data.data() + size_t(b) * file.data.size(),
                  file.data.data(), file.data.size());
  }
  // --bench alone times a second of audio's frames, or as many as max_seq
  // leaves room for.
  const int64_t start = hyb_session_position(session, 0);
  const int64_t room = hyb_module_max_seq(module) - start - P - T + 1;
  const int64_t frames = o.generateFrames > 0 ? o.generateFrames
                         : o.bench ? std::max<int64_t>(std::min<int64_t>(86, room), 1)
                                   : 0;
  // Checked as room left, so that no sum of the counts can overflow.
  const int64_t maxSeq = hyb_module_max_seq(module);
  if (P + T > maxSeq - start ||
      std::max<int64_t>(frames - 1, 0) > maxSeq - start - P - T)
    fail("a prompt of " + std::to_string(P) + " prefix vectors and " +
         std::to_string(T) + " frames of codes" +
         (frames ? " and " + std::to_string(frames) + " generated frames" : "") +
         " at position " + std::to_string(start) + " goes past max_seq " +
         std::to_string(maxSeq));

  // The prompt: the prefix, then the codes, each one prefill.
  auto prefillStart = Clock::now();
  HostTensor prefixLogits, codesLogits;
  if (P) {
    prefixLogits = outputTensor("logits", HYB_DTYPE_F32, {B, P, C, V});
    call(session, "prefill_embeds", embeds, prefixLogits);
  }
  if (T) {
    codesLogits = outputTensor("logits", HYB_DTYPE_F32, {B, T, C, V});
    call(session, "prefill", codes, codesLogits);
  }
  double prefillSeconds = seconds(prefillStart, Clock::now());
  std::printf("prefill: %lld prefix vectors + %lld frames x %lld sequences in "
              "%.3f s, position now %lld\n",
              (long long)P, (long long)T, (long long)B, prefillSeconds,
              (long long)hyb_session_position(session, 0));
  // Sequence b's logits at prompt position p: [C, V].
  auto promptRow = [&](int64_t b, int64_t p) {
    const HostTensor &t = p < P ? prefixLogits : codesLogits;
    int64_t n = p < P ? P : T, i = p < P ? p : p - P;
    return reinterpret_cast<const float *>(t.data.data()) + (b * n + i) * C * V;
  };

  if (!o.dumpLogits.empty()) {
    HostTensor out = outputTensor("prefill_logits", HYB_DTYPE_F32, {1, C, P + T, V});
    auto *dst = reinterpret_cast<float *>(out.data.data());
    for (int64_t p = 0; p < P + T; ++p)
      for (int64_t c = 0; c < C; ++c)
        std::memcpy(dst + (c * (P + T) + p) * V, promptRow(0, p) + c * V,
                    size_t(V) * 4);
    writeTensors(o.dumpLogits, {out});
    std::printf("logits: wrote %s (prefill_logits F32 [1, %lld, %lld, %lld])\n",
                o.dumpLogits.c_str(), (long long)C, (long long)(P + T),
                (long long)V);
  }
  if (frames == 0)
    return {};

  // Frame 0 from the prompt's last position, then one @frame call a frame.
  HostTensor current = outputTensor("tokens", HYB_DTYPE_I64, {B, 1, C});
  HostTensor next = outputTensor("next_token", HYB_DTYPE_I64, {B, 1, C});
  auto *cur = reinterpret_cast<int64_t *>(current.data.data());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c)
      cur[b * C + c] = argmax(promptRow(b, P + T - 1) + c * V, V);
  std::vector<std::vector<int64_t>> lines = {{cur, cur + C}};
  auto frameStart = Clock::now();
  for (int64_t i = 1; i < frames; ++i) {
    call(session, "frame", current, next);
    std::memcpy(current.data.data(), next.data.data(), next.data.size());
    lines.emplace_back(cur, cur + C);
  }
  double frameSeconds = seconds(frameStart, Clock::now());
  if (o.bench && frames > 1) {
    double perSecond = double(frames - 1) / frameSeconds;
    double rate = hyb_module_frame_rate(module);
    std::printf("frames: %lld frames x %lld sequences in %.3f s (%.1f frames/s "
                "per sequence)\n",
                (long long)(frames - 1), (long long)B, frameSeconds, perSecond);
    if (rate > 0)
      std::printf("real-time factor: %.3f (compute time / audio time at the "
                  "codec's %.2f frames/s; %.2fx real time)\n",
                  rate / perSecond, rate, perSecond / rate);
  }
  std::vector<std::string> out;
  if (o.generateFrames > 0)
    for (const std::vector<int64_t> &frame : lines) {
      std::string line;
      for (size_t c = 0; c < frame.size(); ++c)
        line += (c ? " " : "") + std::to_string(frame[c]);
      out.push_back(line);
    }
  return out;
}
