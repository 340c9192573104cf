//===- MixerRegistry.cpp - Dispatch to the mixer kinds --------------------===//

#include "frontend/mixers/MixerRegistry.h"

namespace hybrid::frontend {

// MixerKind names the alternatives of MixerSpec in order.
template <MixerKind K, typename T>
constexpr bool kIsAlternative =
    std::is_same_v<std::variant_alternative_t<size_t(K), MixerSpec>, T>;
static_assert(kIsAlternative<MixerKind::None, NoMixer>);
static_assert(kIsAlternative<MixerKind::Attention, AttentionSpec>);
static_assert(kIsAlternative<MixerKind::Mamba1, Mamba1Spec>);
static_assert(kIsAlternative<MixerKind::Mamba2, Mamba2Spec>);
static_assert(kIsAlternative<MixerKind::Parallel, ParallelSpec>);
static_assert(kIsAlternative<MixerKind::IntraHybrid, IntraHybridSpec>);
static_assert(std::variant_size_v<MixerSpec> == size_t(MixerKind::IntraHybrid) + 1);

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

AttentionSpec *attentionOf(MixerSpec &m) {
  if (auto *a = std::get_if<AttentionSpec>(&m))
    return a;
  if (auto *p = std::get_if<ParallelSpec>(&m))
    return &p->attention;
  if (auto *h = std::get_if<IntraHybridSpec>(&m))
    return &h->attention;
  return nullptr;
}

const AttentionSpec *attentionOf(const MixerSpec &m) {
  return attentionOf(const_cast<MixerSpec &>(m));
}

Mamba2Spec *mamba2Of(MixerSpec &m) {
  if (auto *s = std::get_if<Mamba2Spec>(&m))
    return s;
  if (auto *p = std::get_if<ParallelSpec>(&m))
    return &p->mamba2;
  if (auto *h = std::get_if<IntraHybridSpec>(&m))
    return &h->mamba2;
  return nullptr;
}

const Mamba2Spec *mamba2Of(const MixerSpec &m) { return mamba2Of(const_cast<MixerSpec &>(m)); }

void validateMixer(const MixerSpec &m, const detail::SpecChecker &check,
                   const std::string &layerPath) {
  std::visit([&](const auto &kind) { validate(kind, check, layerPath); }, m);
}

void listMixerWeights(const MixerSpec &m, WeightList &w) {
  std::visit([&](const auto &kind) { listWeights(kind, w); }, m);
}

void listMixerState(const MixerSpec &m, StateList &s) {
  std::visit([&](const auto &kind) { listState(kind, s); }, m);
}

void countMixerFlops(const MixerSpec &m, const FlopContext &ctx, FlopCount &f) {
  std::visit([&](const auto &kind) { countFlops(kind, ctx, f); }, m);
}

} // namespace hybrid::frontend
