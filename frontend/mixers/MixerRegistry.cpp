//===- MixerRegistry.cpp - Dispatch to the mixer kinds --------------------===//

#include "frontend/mixers/MixerRegistry.h"
#include "frontend/ModelSpec.h"

namespace hybrid::frontend {

const char *toString(MixerKind k) {
  switch (k) {
  case MixerKind::None: return "none";
  case MixerKind::Attention: return "attention";
  case MixerKind::Mamba1: return "mamba1";
  case MixerKind::Mamba2: return "mamba2";
  case MixerKind::Parallel: return "parallel";
  case MixerKind::IntraHybrid: return "intra";
  }
  return "?";
}

// Parallel (Falcon-H1): attention and Mamba-2 at full width on the same
// input, each with its own output projection; the outputs are summed.
void validateMixer(const LayerSpec &l, const detail::SpecChecker &check,
                   const std::string &layerPath) {
  switch (l.mixer) {
  case MixerKind::None: return;
  case MixerKind::Attention: return validate(l.attention, check, layerPath);
  case MixerKind::Mamba1: return validate(l.mamba1, check, layerPath);
  case MixerKind::Mamba2: return validate(l.mamba2, check, layerPath);
  case MixerKind::Parallel:
    validate(l.attention, check, layerPath);
    return validate(l.mamba2, check, layerPath);
  case MixerKind::IntraHybrid:
    return validate(l.intra, l.attention, l.mamba2, check, layerPath);
  }
}

void listMixerWeights(const LayerSpec &l, WeightList &w) {
  switch (l.mixer) {
  case MixerKind::None: return;
  case MixerKind::Attention: return listWeights(l.attention, w);
  case MixerKind::Mamba1: return listWeights(l.mamba1, w);
  case MixerKind::Mamba2: return listWeights(l.mamba2, w);
  case MixerKind::Parallel:
    listWeights(l.attention, w);
    return listWeights(l.mamba2, w);
  case MixerKind::IntraHybrid: return listWeights(l.intra, l.attention, l.mamba2, w);
  }
}

void listMixerState(const LayerSpec &l, StateList &s) {
  switch (l.mixer) {
  case MixerKind::None: return;
  case MixerKind::Attention: return listState(l.attention, s);
  case MixerKind::Mamba1: return listState(l.mamba1, s);
  case MixerKind::Mamba2: return listState(l.mamba2, s);
  case MixerKind::Parallel:
  case MixerKind::IntraHybrid:
    listState(l.attention, s);
    return listState(l.mamba2, s);
  }
}

void countMixerFlops(const LayerSpec &l, const FlopContext &ctx, FlopCount &f) {
  switch (l.mixer) {
  case MixerKind::None: return;
  case MixerKind::Attention: return countFlops(l.attention, ctx, f);
  case MixerKind::Mamba1: return countFlops(l.mamba1, ctx, f);
  case MixerKind::Mamba2: return countFlops(l.mamba2, ctx, f);
  case MixerKind::Parallel:
    countFlops(l.attention, ctx, f);
    return countFlops(l.mamba2, ctx, f);
  case MixerKind::IntraHybrid: return countFlops(l.intra, l.attention, l.mamba2, ctx, f);
  }
}

} // namespace hybrid::frontend
