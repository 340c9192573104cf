//===- Mamba1.h - The Mamba-1 selective-scan mixer --------------*- C++ -*-===//
//
// in_proj -> causal depthwise conv + SiLU -> x_proj (dt, B, C) -> dt_proj ->
// selective scan -> gate by SiLU(z) -> out_proj (mamba_ssm's Mamba, HF's
// MambaMixer, Jamba's with RMS norms on dt, B and C).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_MIXERS_MAMBA1_H
#define HYBRIDC_FRONTEND_MIXERS_MAMBA1_H

#include "frontend/mixers/Mixer.h"

namespace hybrid::frontend {

struct Mamba1Spec {
  int64_t dInner = 0;
  int64_t dState = 0;
  int64_t dConv = 0;
  int64_t dtRank = 0;
  bool inProjBias = false;
  bool convBias = true;
  bool outProjBias = false;
  // Jamba: RMS norms (no bias) on dt [dtRank], B and C [dState] after x_proj.
  bool bcdtNorms = false;
  double bcdtNormEps = 1e-6;
};

// Fields under `layerPath`.mamba1.
void validate(const Mamba1Spec &m, const detail::SpecChecker &check,
              const std::string &layerPath);
void listWeights(const Mamba1Spec &m, WeightList &w);
// conv_state [dInner, dConv - 1], ssm_state [dInner, dState].
void listState(const Mamba1Spec &m, StateList &s);
void countFlops(const Mamba1Spec &m, const FlopContext &ctx, FlopCount &f);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MIXERS_MAMBA1_H
