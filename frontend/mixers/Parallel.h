//===- Parallel.h - Attention and Mamba-2 side by side ----------*- C++ -*-===//
//
// Falcon-H1's mixer: attention and Mamba-2 both read the layer's normalized
// input at full width (each with its own input multiplier), each has its own
// output projection and output multiplier, and the two outputs are summed.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_MIXERS_PARALLEL_H
#define HYBRIDC_FRONTEND_MIXERS_PARALLEL_H

#include "frontend/mixers/Attention.h"
#include "frontend/mixers/Mamba2.h"

namespace hybrid::frontend {

struct ParallelSpec {
  AttentionSpec attention;
  Mamba2Spec mamba2;
};

// The branches' fields, under `layerPath`.attention and .mamba2.
void validate(const ParallelSpec &p, const detail::SpecChecker &check,
              const std::string &layerPath);
// Attention's tensors, then Mamba-2's, each with its output projection.
void listWeights(const ParallelSpec &p, WeightList &w);
// Attention's k/v caches, then Mamba-2's conv and ssm states.
void listState(const ParallelSpec &p, StateList &s);
void countFlops(const ParallelSpec &p, const FlopContext &ctx, FlopCount &f);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MIXERS_PARALLEL_H
