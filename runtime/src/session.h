//===- session.h - hyb_session_t --------------------------------*- C++ -*-===//
//
// A session's data and the internal calls the three session files share:
// session.cpp (the C API and the state lifecycle), invocation.cpp (checks,
// descriptors and launching an entry point) and session_file.cpp (the
// session state file of docs/Runtime.md).
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_SESSION_H
#define HYBRIDRT_SESSION_H

#include "runtime/src/module.h"

#include <vector>

/// B sequences of one module: one device buffer per manifest state entry
/// ([B] + shape, manifest dtype) and a host-side position per sequence.
struct hyb_session_t {
  hyb_module_t *module = nullptr;
  int64_t batch = 0;
  std::vector<int64_t> positions;
  std::vector<hyb::DeviceBuffer> state; // parallel to manifest.state
  /// What every launch passes its entry point (hybrid/abi.h).
  hyb_env_t env = {};
  /// Per-call staging of each entry point's inputs and outputs (used by
  /// backends whose memory the host cannot pass), [entry][arg].
  std::vector<std::vector<hyb::DeviceBuffer>> staging;
  /// Host memory of outputs the caller did not ask for, [entry][arg].
  std::vector<std::vector<std::vector<uint8_t>>> hostScratch;
  /// Host logits of the session's own greedy steps.
  std::vector<float> hostLogits;
  /// Outputs of launches in flight: copied to the host by synchronize().
  struct PendingOutput {
    void *host;
    const void *device;
    uint64_t bytes;
  };
  std::vector<PendingOutput> pending;
};

namespace hyb {

//===-- session.cpp --------------------------------------------------------===//

/// INVALID_ARGUMENT naming |fn| if |s| is null.
hyb_status_t checkSession(const hyb_session_t *s, const char *fn);
/// Bytes of state buffer |decl| for |batch| sequences.
uint64_t stateBytes(const TensorDecl &decl, int64_t batch);

//===-- invocation.cpp -----------------------------------------------------===//

/// Everything checked before a text-API call that consumes |numTokens|
/// tokens per sequence now and |extraSteps| more later (generate): nothing
/// runs if any check fails.
hyb_status_t checkTokens(const hyb_session_t *s, const int64_t *tokens,
                         int64_t numTokens, int64_t extraSteps);
/// hyb_session_launch: checks every tensor against the manifest, builds
/// the descriptors from the symbolic shapes, launches entry point |name| and
/// advances the positions. Nothing changes if a check fails.
hyb_status_t launchEntry(hyb_session_t *s, const char *name,
                         const hyb_tensor_t *inputs, size_t numInputs,
                         const hyb_tensor_t *outputs, size_t numOutputs);
/// hyb_session_synchronize: waits for the backend, then brings staged
/// outputs to the host.
hyb_status_t synchronize(hyb_session_t *s);
/// launchEntry of a text-API entry point (prefill, decode, decode_greedy)
/// on [B, T] |tokens|, with |logits| ([B, T, V] f32) and |next| ([B, T]
/// i64) as outputs where non-null, then synchronize.
hyb_status_t runText(hyb_session_t *s, const char *name, const int64_t *tokens,
                     int64_t T, float *logits, int64_t *next);
/// The lowest index of the largest value; NaNs never win.
int64_t argmax(const float *row, int64_t n);
/// One greedy step on [B] |tokens|, results in |out| ([B]); advances by 1.
hyb_status_t greedyStep(hyb_session_t *s, const int64_t *tokens, int64_t *out);

//===-- session_file.cpp ---------------------------------------------------===//

/// hyb_session_save and hyb_session_load (docs/Runtime.md, "Session file
/// format").
hyb_status_t saveSession(const hyb_session_t *s, const char *path);
hyb_status_t loadSession(hyb_session_t *s, const char *path);

} // namespace hyb

#endif // HYBRIDRT_SESSION_H
