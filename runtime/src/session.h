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
  // Per-call staging (used by backends whose memory the host cannot pass).
  hyb::DeviceBuffer scratchTokens, scratchPositions, scratchLogits,
      scratchNext;
  // Host outputs used when the caller passes none.
  std::vector<float> hostLogits;
  std::vector<int64_t> hostNext;
};

namespace hyb {

//===-- session.cpp --------------------------------------------------------===//

/// INVALID_ARGUMENT naming |fn| if |s| is null.
hyb_status_t checkSession(const hyb_session_t *s, const char *fn);
/// Bytes of state buffer |decl| for |batch| sequences.
uint64_t stateBytes(const TensorDecl &decl, int64_t batch);

//===-- invocation.cpp -----------------------------------------------------===//

/// Everything checked before a call that consumes |numTokens| tokens per
/// sequence now and |extraSteps| more later (generate): nothing runs if any
/// check fails.
hyb_status_t checkTokens(const hyb_session_t *s, const int64_t *tokens,
                         int64_t numTokens, int64_t extraSteps);
/// Runs entry point |name| on [B, numTokens] |tokens| at the current
/// positions. |logits| ([B, T, V]) and |next| ([B, T]) are host outputs, used
/// if the entry point has them (a null one is replaced by scratch). Does not
/// advance positions.
hyb_status_t runEntry(hyb_session_t *s, const char *name, const int64_t *tokens,
                      int64_t numTokens, float *logits, int64_t *next);
/// The lowest index of the largest value; NaNs never win.
int64_t argmax(const float *row, int64_t n);
/// Advances every position by |n|.
void advance(hyb_session_t *s, int64_t n);
/// One greedy step on [B] |tokens|, results in |out| ([B]); advances by 1.
/// Checked by the caller.
hyb_status_t greedyStep(hyb_session_t *s, const int64_t *tokens, int64_t *out);

//===-- session_file.cpp ---------------------------------------------------===//

/// hyb_session_save and hyb_session_load (docs/Runtime.md, "Session file
/// format").
hyb_status_t saveSession(const hyb_session_t *s, const char *path);
hyb_status_t loadSession(hyb_session_t *s, const char *path);

} // namespace hyb

#endif // HYBRIDRT_SESSION_H
