//===- Parallel.cpp - Parallel mixer: its two branches, in order ----------===//

#include "frontend/mixers/Parallel.h"

namespace hybrid::frontend {

void validate(const ParallelSpec &p, const detail::SpecChecker &check,
              const std::string &layerPath) {
  validate(p.attention, check, layerPath);
  validate(p.mamba2, check, layerPath);
}

void listWeights(const ParallelSpec &p, WeightList &w) {
  listWeights(p.attention, w);
  listWeights(p.mamba2, w);
}

void listState(const ParallelSpec &p, StateList &s) {
  listState(p.attention, s);
  listState(p.mamba2, s);
}

void countFlops(const ParallelSpec &p, const FlopContext &ctx, FlopCount &f) {
  countFlops(p.attention, ctx, f);
  countFlops(p.mamba2, ctx, f);
}

} // namespace hybrid::frontend
