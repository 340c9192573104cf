//===- Mamba2.h - The Mamba-2 (SSD) mixer -----------------------*- C++ -*-===//
//
// in_proj [z, x, B, C, dt] -> causal depthwise conv + SiLU over [x, B, C] ->
// SSD scan per head -> gate by SiLU(z), with or without the gated RMS norm ->
// out_proj (mamba_ssm's Mamba2, HF's Mamba2Mixer / BambaMixer / NemotronH /
// Falcon-H1 with muP multipliers). Also the SSM branch of the parallel and
// intra-layer mixers, which may leave out the output projection.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_MIXERS_MAMBA2_H
#define HYBRIDC_FRONTEND_MIXERS_MAMBA2_H

#include "frontend/mixers/Mixer.h"

#include <array>
#include <limits>

namespace hybrid::frontend {

struct Mamba2Spec {
  int64_t nHeads = 0;
  int64_t headDim = 0;
  int64_t nGroups = 1;
  int64_t dState = 0;
  int64_t dConv = 4;
  int64_t chunkSize = 256;
  double dtMin = 0.0;     // time_step_limit: dt = clamp(softplus(...), min, max)
  double dtMax = std::numeric_limits<double>::infinity();
  bool gatedNorm = true;  // true: RMSNormGated with weight [dInner];
                          // false: y * silu(z), no norm weight
  double normEps = 1e-5;
  bool normBeforeGate = false; // true: norm(y) * silu(z); false: norm(y * silu(z))
  int64_t normGroups = 1; // RMS statistics over dInner / normGroups channels
  bool inProjBias = false;
  bool convBias = true;
  bool outProjBias = false;
  // muP (Falcon-H1): input * inputMultiplier before in_proj; the in_proj
  // output sections [z, x, B, C, dt] times projMultipliers; output * outputMultiplier.
  double inputMultiplier = 1.0;
  std::array<double, 5> projMultipliers{1.0, 1.0, 1.0, 1.0, 1.0};
  double outputMultiplier = 1.0;

  int64_t dInner() const { return nHeads * headDim; }
  int64_t convDim() const { return dInner() + 2 * nGroups * dState; }
  // in_proj rows, in order [z, x, B, C, dt].
  int64_t inProjDim() const { return 2 * dInner() + 2 * nGroups * dState + nHeads; }
};

// Fields under `layerPath`.mamba2.
void validate(const Mamba2Spec &m, const detail::SpecChecker &check,
              const std::string &layerPath);
// mamba.in_proj, conv1d, dt_bias, A_log, D, norm (if gatedNorm), and
// mamba.out_proj unless !outProj.
void listWeights(const Mamba2Spec &m, WeightList &w, bool outProj = true);
// conv_state [convDim, dConv - 1], ssm_state [nHeads, headDim, dState].
void listState(const Mamba2Spec &m, StateList &s);
void countFlops(const Mamba2Spec &m, const FlopContext &ctx, FlopCount &f,
                bool outProj = true);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MIXERS_MAMBA2_H
