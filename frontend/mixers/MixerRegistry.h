//===- MixerRegistry.h - The mixer kinds, in one table ----------*- C++ -*-===//
//
// Every mixer kind a layer can have, and the four operations the frontend
// performs on a layer's mixer, dispatched to the kind's own files
// (mixers/<Kind>.cpp; the contract is in Mixer.h). validate(), weights(),
// stateBuffers() and the report reach a mixer only through these.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_MIXERS_MIXERREGISTRY_H
#define HYBRIDC_FRONTEND_MIXERS_MIXERREGISTRY_H

#include "frontend/mixers/Attention.h"
#include "frontend/mixers/IntraHybrid.h"
#include "frontend/mixers/Mamba1.h"
#include "frontend/mixers/Mamba2.h"

namespace hybrid::frontend {

struct LayerSpec;

enum class MixerKind { None, Attention, Mamba1, Mamba2, Parallel, IntraHybrid };
const char *toString(MixerKind k); // "none", "attention", "mamba1", "mamba2",
                                   // "parallel", "intra"

// The layer's mixer, if it has one; its fields under `layerPath`.
void validateMixer(const LayerSpec &l, const detail::SpecChecker &check,
                   const std::string &layerPath);
void listMixerWeights(const LayerSpec &l, WeightList &w);
void listMixerState(const LayerSpec &l, StateList &s);
void countMixerFlops(const LayerSpec &l, const FlopContext &ctx, FlopCount &f);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MIXERS_MIXERREGISTRY_H
