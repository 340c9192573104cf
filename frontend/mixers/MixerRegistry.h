//===- MixerRegistry.h - The mixer kinds, in one table ----------*- C++ -*-===//
//
// MixerSpec is the table: one alternative per mixer kind a layer can have,
// each a spec struct with its operations in its own files (mixers/<Kind>.h,
// the contract in Mixer.h). validate(), weights(), stateBuffers() and the
// report reach a mixer only through the dispatchers below, which visit the
// variant, so a kind added here without its four functions does not compile.
//
// A new kind: its files under mixers/, one alternative here (and its
// MixerKind, in the same position), its reader and its IR emission.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_MIXERS_MIXERREGISTRY_H
#define HYBRIDC_FRONTEND_MIXERS_MIXERREGISTRY_H

#include "frontend/mixers/Attention.h"
#include "frontend/mixers/IntraHybrid.h"
#include "frontend/mixers/Mamba1.h"
#include "frontend/mixers/Mamba2.h"
#include "frontend/mixers/Parallel.h"

#include <variant>

namespace hybrid::frontend {

// A layer without a mixer: only its FFN (Nemotron-H's mlp and moe blocks).
struct NoMixer {};
inline void validate(const NoMixer &, const detail::SpecChecker &, const std::string &) {}
inline void listWeights(const NoMixer &, WeightList &) {}
inline void listState(const NoMixer &, StateList &) {}
inline void countFlops(const NoMixer &, const FlopContext &, FlopCount &) {}

using MixerSpec = std::variant<NoMixer, AttentionSpec, Mamba1Spec, Mamba2Spec, ParallelSpec,
                               IntraHybridSpec>;

// The alternative a MixerSpec holds, by name: MixerKind(spec.index()).
enum class MixerKind { None, Attention, Mamba1, Mamba2, Parallel, IntraHybrid };
const char *toString(MixerKind k); // "none", "attention", "mamba1", "mamba2",
                                   // "parallel", "intra"

inline MixerKind kindOf(const MixerSpec &m) { return MixerKind(m.index()); }

// The attention of a mixer: the Attention mixer itself, or the attention
// branch of a Parallel or IntraHybrid one; nullptr for the others.
const AttentionSpec *attentionOf(const MixerSpec &m);
AttentionSpec *attentionOf(MixerSpec &m);
// The Mamba-2 of a mixer, likewise (Mamba2, Parallel, IntraHybrid).
const Mamba2Spec *mamba2Of(const MixerSpec &m);
Mamba2Spec *mamba2Of(MixerSpec &m);

// The operations of Mixer.h on whichever kind `m` holds; fields under
// `layerPath` ("layers[3]").
void validateMixer(const MixerSpec &m, const detail::SpecChecker &check,
                   const std::string &layerPath);
void listMixerWeights(const MixerSpec &m, WeightList &w);
void listMixerState(const MixerSpec &m, StateList &s);
void countMixerFlops(const MixerSpec &m, const FlopContext &ctx, FlopCount &f);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MIXERS_MIXERREGISTRY_H
