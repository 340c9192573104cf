//===- Parallel.cpp - Parallel: attention and Mamba-2, summed -------------===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

/// Falcon-H1: both branches read the same normed input; their output
/// multipliers are applied inside each mixer.
Value ModelIRBuilder::emitMixer(const ParallelSpec &p, Value x, int64_t layer) {
  Value a = emitMixer(p.attention, x, layer);
  Value s = emitMixer(p.mamba2, x, layer);
  return add(a, s);
}

} // namespace hybrid::frontend::detail
