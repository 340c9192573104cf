//===- launch_profile.cpp - Per-kernel device time, by CUDA events --------===//

#include "runtime/src/cuda/launch_profile.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace hyb {
namespace cu {

bool LaunchProfile::requested() {
  const char *v = std::getenv("HYBRID_CUDA_PROFILE");
  return v && *v && std::strcmp(v, "0") != 0;
}

Event LaunchProfile::take(const Driver &d) {
  if (!spare_.empty()) {
    Event e = spare_.back();
    spare_.pop_back();
    return e;
  }
  Event e = nullptr;
  if (d.eventCreate(&e, kEventDefault) != kSuccess)
    return nullptr;
  return e;
}

int LaunchProfile::begin(const Driver &d, Stream stream, std::string name) {
  Pending p;
  p.name = std::move(name);
  p.start = take(d);
  if (!p.start || d.eventRecord(p.start, stream) != kSuccess) {
    if (p.start)
      spare_.push_back(p.start);
    return -1;
  }
  pending_.push_back(std::move(p));
  return int(pending_.size() - 1);
}

void LaunchProfile::end(const Driver &d, Stream stream, int token) {
  if (token < 0 || size_t(token) >= pending_.size())
    return;
  Pending &p = pending_[token];
  p.stop = take(d);
  if (p.stop && d.eventRecord(p.stop, stream) != kSuccess) {
    spare_.push_back(p.stop);
    p.stop = nullptr;
  }
}

void LaunchProfile::collect(const Driver &d) {
  for (Pending &p : pending_) {
    float ms = 0;
    if (p.stop && d.eventElapsedTime(&ms, p.start, p.stop) == kSuccess) {
      Total &t = totals_[p.name];
      t.calls += 1;
      t.ms += double(ms);
    }
    spare_.push_back(p.start);
    if (p.stop)
      spare_.push_back(p.stop);
  }
  pending_.clear();
}

void LaunchProfile::print(std::FILE *out) const {
  if (totals_.empty())
    return;
  std::vector<std::pair<std::string, Total>> rows(totals_.begin(),
                                                  totals_.end());
  std::sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
    return a.second.ms > b.second.ms;
  });
  double all = 0;
  for (const auto &r : rows)
    all += r.second.ms;
  std::fprintf(out, "hybridrt profile: %.3f ms of device time in %zu kernels "
                    "and GEMMs (entry point: name)\n",
               all, rows.size());
  std::fprintf(out, "%10s %7s %10s %6s  %s\n", "total ms", "calls", "avg us",
               "%", "entry: kernel");
  double shown = 0;
  for (const auto &r : rows) {
    if (shown > 0.995 * all && r.second.ms < 0.001 * all)
      break;
    shown += r.second.ms;
    std::fprintf(out, "%10.3f %7llu %10.2f %6.2f  %s\n", r.second.ms,
                 (unsigned long long)r.second.calls,
                 1e3 * r.second.ms / double(r.second.calls),
                 all > 0 ? 100.0 * r.second.ms / all : 0.0, r.first.c_str());
  }
}

void LaunchProfile::release(const Driver &d) {
  for (Pending &p : pending_) {
    if (p.start)
      d.eventDestroy(p.start);
    if (p.stop)
      d.eventDestroy(p.stop);
  }
  pending_.clear();
  for (Event e : spare_)
    d.eventDestroy(e);
  spare_.clear();
}

} // namespace cu
} // namespace hyb
