//===- launch_profile.h - Per-kernel device time, by CUDA events -*- C++ -*-===//
//
// HYBRID_CUDA_PROFILE=1 brackets every kernel and GEMM a session enqueues
// with a pair of events and, when the session is released, prints the
// device time per (entry point, kernel) to stderr, longest first. The
// device machine has no Nsight Systems; this is what tells a slow kernel
// from a slow launch. Graphs are off while profiling (a replayed graph has
// no per-launch events), so the figures are the kernels' own times, not the
// decode step's wall time.
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_CUDA_LAUNCH_PROFILE_H
#define HYBRIDRT_CUDA_LAUNCH_PROFILE_H

#include "runtime/src/cuda/cuda_driver.h"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace hyb {
namespace cu {

class LaunchProfile {
public:
  /// Whether HYBRID_CUDA_PROFILE asks for profiling.
  static bool requested();

  /// Records the start of a launch named |name| on |stream|; returns the
  /// token end() takes, or -1 where no event could be had.
  int begin(const Driver &d, Stream stream, std::string name);
  void end(const Driver &d, Stream stream, int token);
  /// Adds the finished launches to the totals; call after the stream is
  /// synchronized.
  void collect(const Driver &d);
  /// The table, longest total first; nothing when no launch was timed.
  void print(std::FILE *out) const;
  void release(const Driver &d);

private:
  struct Pending {
    std::string name;
    Event start = nullptr, stop = nullptr;
  };
  struct Total {
    uint64_t calls = 0;
    double ms = 0;
  };
  Event take(const Driver &d);

  std::vector<Pending> pending_;
  std::vector<Event> spare_;
  std::map<std::string, Total> totals_;
};

} // namespace cu
} // namespace hyb

#endif // HYBRIDRT_CUDA_LAUNCH_PROFILE_H
