//===- session.h - hyb_session_t --------------------------------*- C++ -*-===//
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

#endif // HYBRIDRT_SESSION_H
