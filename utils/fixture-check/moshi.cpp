//===- moshi.cpp - fixture-check's checks of a Moshi LM -------------------===//
//
// A Moshi fixture (test/fixtures/moshi: reference.safetensors with
// gen_user_audio and greedy_frames [N, 1 + dep_q]) through @frame, with
// LMGen's input rule: stream k reads its initial token while the step is
// <= delays[k], then the model's token of the step before (the text and the
// dep_q model streams) or the user's of step - delays[k] (the others):
//   frames   N greedy frames from an empty state are the reference's
//   depth    after a frame the frame-scoped depth caches hold that frame's
//            keys (not all zero); garbage written into them before every
//            frame changes neither the frames nor the caches a frame leaves:
//            each frame's depth pass starts afresh
//   fork     a fork after N/2 frames and the original both go on to the
//            reference's frames
//   save     a session saved after N/2 frames and loaded into another goes
//            on to them too
//
//===----------------------------------------------------------------------===//

#include "hybrid/runtime.h"
#include "runtime/src/safetensors.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <unistd.h>

void fixtureReport(bool ok, const char *name, const std::string &detail);
[[noreturn]] void fixtureDie(const std::string &message);
void fixtureCheck(hyb_status_t status, const char *what);

namespace {

using Frames = std::vector<std::vector<int64_t>>;

struct Moshi {
  hyb_module_t *module = nullptr;
  int64_t K = 0, Q = 0, N = 0;
  std::vector<int64_t> delays, initial, user; // user: [K - 1 - Q, N]
  std::vector<int64_t> depthStates;           // state indices of depformer.*

  hyb_session_t *session() {
    hyb_session_options_t so;
    hyb_session_options_init(&so);
    hyb_session_t *s = nullptr;
    fixtureCheck(hyb_session_create(module, &so, &s), "session");
    return s;
  }

  /// Runs frames until |out| holds |count|; |before| runs before each.
  void run(hyb_session_t *s, Frames &out, int64_t count,
           const std::function<void(hyb_session_t *)> &before = {}) {
    std::vector<int64_t> tokens(static_cast<size_t>(K)), next(static_cast<size_t>(1 + Q));
    while (int64_t(out.size()) < count) {
      int64_t step = int64_t(out.size());
      for (int64_t k = 0; k < K; ++k) {
        int64_t d = delays[size_t(k)];
        tokens[size_t(k)] = step <= d     ? initial[size_t(k)]
                            : k <= Q      ? out[size_t(step - 1)][size_t(k)]
                                          : user[size_t((k - 1 - Q) * N + step - d)];
      }
      if (before)
        before(s);
      hyb_tensor_t in{}, o{};
      in.name = "tokens";
      in.dtype = HYB_DTYPE_I64;
      in.rank = 3;
      in.shape[0] = 1, in.shape[1] = 1, in.shape[2] = K;
      in.data = tokens.data();
      o.name = "next_token";
      o.dtype = HYB_DTYPE_I64;
      o.rank = 3;
      o.shape[0] = 1, o.shape[1] = 1, o.shape[2] = 1 + Q;
      o.data = next.data();
      fixtureCheck(hyb_session_call(s, "frame", &in, 1, &o, 1), "frame");
      fixtureCheck(hyb_session_synchronize(s), "frame");
      out.push_back(next);
    }
  }

  std::vector<float> depthCaches(hyb_session_t *s) {
    std::vector<float> all;
    for (int64_t i : depthStates) {
      hyb_tensor_info_t info;
      fixtureCheck(hyb_module_state_info(module, i, &info), "state");
      size_t n = 1;
      for (int64_t r = 0; r < info.rank; ++r)
        n *= size_t(info.shape[r]);
      std::vector<float> v(n);
      fixtureCheck(hyb_session_read_state(s, i, v.data(), n * 4), "read state");
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  }

  void scribble(hyb_session_t *s) {
    for (int64_t i : depthStates) {
      hyb_tensor_info_t info;
      fixtureCheck(hyb_module_state_info(module, i, &info), "state");
      size_t n = 1;
      for (int64_t r = 0; r < info.rank; ++r)
        n *= size_t(info.shape[r]);
      std::vector<float> junk(n);
      for (size_t j = 0; j < n; ++j)
        junk[j] = j % 3 == 0 ? std::numeric_limits<float>::quiet_NaN() : 1e30f;
      fixtureCheck(hyb_session_write_state(s, i, junk.data(), n * 4), "write state");
    }
  }
};

std::string framesDetail(const Frames &got, const Frames &want) {
  size_t same = 0;
  while (same < got.size() && same < want.size() && got[same] == want[same])
    ++same;
  return std::to_string(same) + "/" + std::to_string(want.size()) + " greedy frames";
}

} // namespace

int checkMoshi(const std::string &artifact, const std::string &fixture,
               const hyb::SafetensorsFile &file, hyb_module_options_t options) {
  Moshi m;
  fixtureCheck(hyb_module_load_with_options(artifact.c_str(), &options, &m.module), "load");
  fixtureCheck(hyb_module_bind_weights(m.module, fixture.c_str()), "weights");
  nlohmann::json manifest = nlohmann::json::parse(hyb_module_manifest_json(m.module));
  m.delays = manifest["model"]["stream_delays"].get<std::vector<int64_t>>();
  m.initial = manifest["model"]["initial_tokens"].get<std::vector<int64_t>>();
  m.K = int64_t(m.delays.size());
  for (int64_t i = 0; i < hyb_module_state_count(m.module); ++i) {
    hyb_tensor_info_t info;
    fixtureCheck(hyb_module_state_info(m.module, i, &info), "state");
    if (std::strncmp(info.name, "depformer.", 10) == 0)
      m.depthStates.push_back(i);
  }
  const hyb::SafetensorsTensor *frames = file.find("greedy_frames");
  const hyb::SafetensorsTensor *user = file.find("gen_user_audio");
  if (!frames || frames->dtype != hyb::StDtype::I64 || frames->shape.size() != 2 || !user ||
      user->dtype != hyb::StDtype::I64 || user->shape.size() != 3)
    fixtureDie("reference has no I64 greedy_frames [N, 1 + dep_q] and gen_user_audio");
  int64_t n = frames->shape[0];
  m.Q = frames->shape[1] - 1;
  m.N = user->shape[2];
  m.user.resize(user->numBytes() / 8);
  std::memcpy(m.user.data(), user->data, user->numBytes());
  Frames want(size_t(n), std::vector<int64_t>(size_t(1 + m.Q)));
  for (int64_t f = 0; f < n; ++f)
    std::memcpy(want[size_t(f)].data(),
                reinterpret_cast<const char *>(frames->data) + size_t(f * (1 + m.Q) * 8),
                size_t((1 + m.Q) * 8));

  // frames
  hyb_session_t *a = m.session();
  Frames got;
  m.run(a, got, n);
  fixtureReport(got == want, "frames", framesDetail(got, want));

  // depth: what a frame leaves in the caches, with and without garbage
  // written into them before every frame.
  hyb_session_t *clean = m.session(), *dirty = m.session();
  Frames cleanFrames, dirtyFrames;
  bool sameCaches = true, nonZero = false;
  for (int64_t f = 1; f <= n; ++f) {
    m.run(clean, cleanFrames, f);
    m.run(dirty, dirtyFrames, f, [&](hyb_session_t *s) { m.scribble(s); });
    std::vector<float> c = m.depthCaches(clean), d = m.depthCaches(dirty);
    sameCaches = sameCaches && std::memcmp(c.data(), d.data(), c.size() * 4) == 0;
    for (float x : c)
      nonZero = nonZero || x != 0;
  }
  bool depthOk = !m.depthStates.empty() && nonZero && sameCaches && dirtyFrames == want;
  fixtureReport(depthOk, "depth",
                std::to_string(m.depthStates.size()) + " frame-scoped caches; " +
                    (nonZero ? "filled by each frame" : "never written") + "; garbage before "
                    "each frame: " + framesDetail(dirtyFrames, want) +
                    (sameCaches ? ", caches equal" : ", caches differ"));

  // fork
  hyb_session_t *orig = m.session(), *fork = nullptr;
  Frames half;
  m.run(orig, half, n / 2);
  fixtureCheck(hyb_session_fork(orig, &fork), "fork");
  Frames origFrames = half, forkFrames = half;
  m.run(orig, origFrames, n);
  m.run(fork, forkFrames, n);
  fixtureReport(origFrames == want && forkFrames == want, "fork",
                "after " + std::to_string(n / 2) + " frames: original " +
                    framesDetail(origFrames, want) + ", fork " + framesDetail(forkFrames, want));

  // save
  hyb_session_t *saved = m.session(), *loaded = m.session();
  Frames savedFrames;
  m.run(saved, savedFrames, n / 2);
  std::string path = "/tmp/fixture-check-moshi-" + std::to_string(long(getpid())) + ".state";
  fixtureCheck(hyb_session_save(saved, path.c_str()), "save");
  fixtureCheck(hyb_session_load(loaded, path.c_str()), "load");
  std::remove(path.c_str());
  Frames loadedFrames = savedFrames;
  m.run(loaded, loadedFrames, n);
  fixtureReport(loadedFrames == want, "save",
                "loaded after " + std::to_string(n / 2) + " frames: " +
                    framesDetail(loadedFrames, want));

  for (hyb_session_t *s : {a, clean, dirty, orig, fork, saved, loaded})
    hyb_session_free(s);
  hyb_module_free(m.module);
  return 0;
}
