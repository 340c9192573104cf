//===- moshi.cpp - hybrid-run for Moshi LMs -------------------------------===//
//
// The audio contract of DESIGN.md for Moshi (moshi.models.lm.LMModel and
// LMGen), through the generic call:
//   --codes FILE       tensor `codes`, I64 or I32 [1, 1 + n_q, T]: what
//                      LMModel.forward(codes) takes (text first); the delay
//                      pattern is applied here, as forward does
//   --dump-logits OUT  `text_logits` F32 [1, 1, T, text_card] and
//                      `audio_logits` [1, dep_q, T, card], undelayed as
//                      forward returns them (NaN at the delayed tail)
//   --generate-frames N  N greedy frames from an empty state, one @frame call
//                      each, one line each: the text token, then the dep_q
//                      audio tokens (LMGen's on_text_hook / on_audio_hook)
//   --user-audio FILE  tensor `gen_user_audio`, I64 or I32
//                      [1, n_q - dep_q, >= N]: the user's streams, column s
//                      given at step s (LMGen.step's input_tokens)
//   --bench            frames/s and the real-time factor at 12.5 frames/s
// What @frame reads at step o is LMGen's cache: stream k's initial token
// while o <= delays[k], else the token the model produced at step o - 1
// (its own streams) or the user's of step o - delays[k] (theirs).
//
//===----------------------------------------------------------------------===//

#include "hybrid-run.h"
#include "tensor_io.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>

using namespace hybrid_run;

namespace {

struct MoshiShape {
  int64_t streams = 0, depth = 0, textVocab = 0, card = 0;
  std::vector<int64_t> delays, initial;
};

std::vector<int64_t> shapeOf(hyb_module_t *module, const char *entry,
                             const char *name) {
  int64_t count = hyb_module_io_count(module, entry);
  for (int64_t i = 0; i < count; ++i) {
    hyb_io_info_t info;
    check(hyb_module_io_info(module, entry, i, &info));
    if (std::strcmp(info.name, name) == 0)
      return std::vector<int64_t>(info.shape, info.shape + info.rank);
  }
  return {};
}

std::vector<int64_t> intList(const nlohmann::json &model, const char *key,
                             const std::string &artifact) {
  const nlohmann::json *v = model.contains(key) ? &model[key] : nullptr;
  if (!v || !v->is_array())
    fail(artifact + ": manifest model." + key + " is missing (recompile with this hybridc)");
  std::vector<int64_t> out;
  for (const nlohmann::json &x : *v) {
    if (!x.is_number_integer())
      fail(artifact + ": manifest model." + key + " holds a non-integer");
    out.push_back(x.get<int64_t>());
  }
  return out;
}

MoshiShape moshiShape(hyb_module_t *module, const Options &o) {
  MoshiShape s;
  std::vector<int64_t> tokens = shapeOf(module, "prefill", "tokens");
  std::vector<int64_t> depth = shapeOf(module, "prefill", "depth_tokens");
  std::vector<int64_t> text = shapeOf(module, "prefill", "logits");
  std::vector<int64_t> audio = shapeOf(module, "prefill", "audio_logits");
  if (tokens.size() != 3 || depth.size() != 3 || text.size() != 3 || audio.size() != 4)
    fail(o.artifact + ": prefill's tokens, depth_tokens, logits and audio_logits are not "
                      "Moshi's [B, T, 1 + n_q], [B, T, dep_q], [B, T, V], [B, T, dep_q, card]");
  s.streams = tokens[2];
  s.depth = depth[2];
  s.textVocab = text[2];
  s.card = audio[3];
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(hyb_module_manifest_json(module));
  } catch (const std::exception &e) {
    fail(o.artifact + ": manifest is not valid JSON");
  }
  s.delays = intList(manifest["model"], "stream_delays", o.artifact);
  s.initial = intList(manifest["model"], "initial_tokens", o.artifact);
  if (int64_t(s.delays.size()) != s.streams || int64_t(s.initial.size()) != s.streams)
    fail(o.artifact + ": manifest model.stream_delays and initial_tokens need " +
         std::to_string(s.streams) + " entries");
  return s;
}

/// Tensor |name| of |path| as int64 [rows, cols] (its shape [1, rows, cols],
/// rows = |rows|), or fail() naming the flag, the file and the tensor.
std::vector<int64_t> readIds(const std::string &flag, const std::string &path,
                             const std::string &name, int64_t rows, int64_t *cols) {
  std::string layout = "[1, " + std::to_string(rows) + ", " +
                       (name == "codes" ? "T" : "N") + "]";
  for (HostTensor &t : readTensors(path)) {
    if (t.name != name)
      continue;
    if (t.dtype != HYB_DTYPE_I64 && t.dtype != HYB_DTYPE_I32)
      fail(flag + ": " + path + ": tensor '" + name + "' is " + hyb_dtype_name(t.dtype) +
           ", expected I64 or I32");
    if (t.shape.size() != 3 || t.shape[0] != 1 || t.shape[1] != rows || t.shape[2] < 1)
      fail(flag + ": " + path + ": tensor '" + name + "' has shape " + formatShape(t.shape) +
           ", expected " + layout);
    *cols = t.shape[2];
    std::vector<int64_t> ids(size_t(rows * *cols));
    for (size_t j = 0; j < ids.size(); ++j) {
      if (t.dtype == HYB_DTYPE_I32) {
        int32_t v;
        std::memcpy(&v, &t.data[j * 4], 4);
        ids[j] = v;
      } else {
        std::memcpy(&ids[j], &t.data[j * 8], 8);
      }
    }
    return ids;
  }
  fail(flag + ": " + path + ": no tensor '" + name + "' (expected " + layout + ")");
}

/// Every id of stream k (row k - firstStream) must be one the model embeds:
/// [0, initial[k]] (the initial token is the largest).
void checkIds(const std::string &flag, const std::string &path, const std::string &name,
              const std::vector<int64_t> &ids, int64_t cols, const MoshiShape &s,
              int64_t firstStream) {
  for (size_t j = 0; j < ids.size(); ++j) {
    int64_t k = firstStream + int64_t(j) / cols;
    if (ids[j] < 0 || ids[j] > s.initial[size_t(k)])
      fail(flag + ": " + path + ": tensor '" + name + "' [0, " +
           std::to_string(k - firstStream) + ", " + std::to_string(int64_t(j) % cols) +
           "] is " + std::to_string(ids[j]) + ", expected an id in [0, " +
           std::to_string(s.initial[size_t(k)]) + "]" +
           (ids[j] == -1 ? " (the zero token -1 is not supported)" : ""));
  }
}

HostTensor tensorOf(const char *name, hyb_dtype_t dtype, std::vector<int64_t> shape) {
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

} // namespace

bool hybrid_run::isMoshi(hyb_module_t *module) {
  return !shapeOf(module, "prefill", "depth_tokens").empty();
}

std::vector<std::string> hybrid_run::runMoshi(hyb_module_t *module, hyb_session_t *session,
                                              const Options &o) {
  if (!o.prefix.empty())
    fail("--prefix: Moshi has no conditioning prefix (its prompt is --codes)");
  if (!o.dumpLogits.empty() && o.codes.empty())
    fail("--dump-logits needs --codes FILE");
  const MoshiShape s = moshiShape(module, o);
  const int64_t K = s.streams, Q = s.depth, B = o.batch;
  const int64_t maxSeq = hyb_module_max_seq(module);
  const int64_t start = hyb_session_position(session, 0);

  if (!o.codes.empty()) {
    int64_t T = 0;
    std::vector<int64_t> codes = readIds("--codes", o.codes, "codes", K, &T);
    checkIds("--codes", o.codes, "codes", codes, T, s, 0);
    if (T > maxSeq - start)
      fail("--codes: " + std::to_string(T) + " frames at position " + std::to_string(start) +
           " go past max_seq " + std::to_string(maxSeq));
    // LMModel.forward: the delayed sequence, the initial tokens first; step
    // t reads column t, its depth steps column t + 1.
    auto delayed = [&](int64_t k, int64_t t) {
      int64_t src = t - 1 - s.delays[size_t(k)];
      return t == 0 || src < 0 ? s.initial[size_t(k)] : codes[size_t(k * T + src)];
    };
    HostTensor tokens = tensorOf("tokens", HYB_DTYPE_I64, {B, T, K});
    HostTensor depth = tensorOf("depth_tokens", HYB_DTYPE_I64, {B, T, Q});
    auto *tk = reinterpret_cast<int64_t *>(tokens.data.data());
    auto *dk = reinterpret_cast<int64_t *>(depth.data.data());
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t) {
        for (int64_t k = 0; k < K; ++k)
          tk[(b * T + t) * K + k] = delayed(k, t);
        for (int64_t q = 0; q < Q; ++q)
          dk[(b * T + t) * Q + q] = delayed(q, t + 1);
      }
    HostTensor text = tensorOf("logits", HYB_DTYPE_F32, {B, T, s.textVocab});
    HostTensor audio = tensorOf("audio_logits", HYB_DTYPE_F32, {B, T, Q, s.card});
    hyb_tensor_t in[2] = {tokens.view(), depth.view()};
    hyb_tensor_t out[2] = {text.view(), audio.view()};
    auto prefillStart = Clock::now();
    check(hyb_session_call(session, "prefill", in, 2, out, 2));
    check(hyb_session_synchronize(session));
    std::printf("prefill: %lld frames x %lld sequences in %.3f s, position now %lld\n",
                (long long)T, (long long)B, seconds(prefillStart, Clock::now()),
                (long long)hyb_session_position(session, 0));
    if (!o.dumpLogits.empty()) {
      // _undelay_sequence: stream k's logits at t are those of step
      // t + delays[k], NaN past the end.
      const float nan = std::numeric_limits<float>::quiet_NaN();
      HostTensor tl = tensorOf("text_logits", HYB_DTYPE_F32, {1, 1, T, s.textVocab});
      HostTensor al = tensorOf("audio_logits", HYB_DTYPE_F32, {1, Q, T, s.card});
      auto *tsrc = reinterpret_cast<const float *>(text.data.data());
      auto *asrc = reinterpret_cast<const float *>(audio.data.data());
      auto *tdst = reinterpret_cast<float *>(tl.data.data());
      auto *adst = reinterpret_cast<float *>(al.data.data());
      for (int64_t t = 0; t < T; ++t) {
        int64_t from = t + s.delays[0];
        for (int64_t v = 0; v < s.textVocab; ++v)
          tdst[t * s.textVocab + v] = from < T ? tsrc[from * s.textVocab + v] : nan;
        for (int64_t q = 0; q < Q; ++q) {
          int64_t f = t + s.delays[size_t(1 + q)];
          for (int64_t v = 0; v < s.card; ++v)
            adst[(q * T + t) * s.card + v] = f < T ? asrc[(f * Q + q) * s.card + v] : nan;
        }
      }
      writeTensors(o.dumpLogits, {tl, al});
      std::printf("logits: wrote %s (text_logits F32 [1, 1, %lld, %lld], audio_logits F32 "
                  "[1, %lld, %lld, %lld])\n",
                  o.dumpLogits.c_str(), (long long)T, (long long)s.textVocab, (long long)Q,
                  (long long)T, (long long)s.card);
    }
  }

  const int64_t room = maxSeq - hyb_session_position(session, 0);
  // --bench alone times 25 frames (2 s of audio); with --codes it times the
  // prompt only (frames start from an empty state).
  const int64_t frames = o.generateFrames > 0 ? o.generateFrames
                         : o.bench && o.codes.empty()
                             ? std::max<int64_t>(std::min<int64_t>(25, room), 1)
                             : 0;
  if (frames == 0)
    return {};
  if (!o.codes.empty() || start != 0)
    fail("--generate-frames: Moshi frames start from an empty state, as LMGen's do (give "
         "--codes for --dump-logits only, and no --load-state)");
  if (frames > room)
    fail("--generate-frames: " + std::to_string(frames) + " frames go past max_seq " +
         std::to_string(maxSeq));
  const int64_t users = K - 1 - Q;
  std::vector<int64_t> user;
  int64_t N = frames;
  if (!o.userAudio.empty()) {
    user = readIds("--user-audio", o.userAudio, "gen_user_audio", users, &N);
    checkIds("--user-audio", o.userAudio, "gen_user_audio", user, N, s, 1 + Q);
    if (N < frames)
      fail("--user-audio: " + o.userAudio + ": tensor 'gen_user_audio' has " +
           std::to_string(N) + " steps, " + std::to_string(frames) + " frames need as many");
  } else if (users > 0 && o.generateFrames > 0) {
    fail("--generate-frames: the model reads " + std::to_string(users) +
         " user streams: give them with --user-audio FILE (tensor 'gen_user_audio' [1, " +
         std::to_string(users) + ", N])");
  } else {
    user.assign(size_t(users * N), 0); // --bench alone: silence-like ids
  }

  HostTensor current = tensorOf("tokens", HYB_DTYPE_I64, {B, 1, K});
  HostTensor next = tensorOf("next_token", HYB_DTYPE_I64, {B, 1, 1 + Q});
  auto *cur = reinterpret_cast<int64_t *>(current.data.data());
  auto *nxt = reinterpret_cast<int64_t *>(next.data.data());
  std::vector<std::vector<int64_t>> lines;
  auto frameStart = Clock::now();
  for (int64_t step = 0; step < frames; ++step) {
    for (int64_t b = 0; b < B; ++b)
      for (int64_t k = 0; k < K; ++k) {
        int64_t d = s.delays[size_t(k)];
        int64_t id = s.initial[size_t(k)];
        if (step > d)
          id = k <= Q ? lines[size_t(step - 1)][size_t(b * (1 + Q) + k)]
                      : user[size_t((k - 1 - Q) * N + step - d)];
        cur[b * K + k] = id;
      }
    hyb_tensor_t i = current.view(), out = next.view();
    check(hyb_session_call(session, "frame", &i, 1, &out, 1));
    check(hyb_session_synchronize(session));
    lines.emplace_back(nxt, nxt + B * (1 + Q));
  }
  double frameSeconds = seconds(frameStart, Clock::now());
  if (o.bench) {
    double perSecond = double(frames) / frameSeconds;
    double rate = hyb_module_frame_rate(module);
    std::printf("frames: %lld frames x %lld sequences in %.3f s (%.1f frames/s per sequence)\n",
                (long long)frames, (long long)B, frameSeconds, perSecond);
    if (rate > 0)
      std::printf("real-time factor: %.3f (compute time / audio time at the codec's %.2f "
                  "frames/s; %.2fx real time)\n",
                  rate / perSecond, rate, perSecond / rate);
  }
  std::vector<std::string> out;
  if (o.generateFrames > 0)
    for (const std::vector<int64_t> &frame : lines) {
      std::string line;
      for (int64_t c = 0; c < 1 + Q; ++c) // sequence 0's
        line += (c ? " " : "") + std::to_string(frame[size_t(c)]);
      out.push_back(line);
    }
  return out;
}
