//===- Mamba2.cpp - Mamba-2: checks, tensors, state, FLOPs ----------------===//

#include "frontend/mixers/Mamba2.h"
#include "frontend/SpecCheck.h"

namespace hybrid::frontend {

void validate(const Mamba2Spec &m, const detail::SpecChecker &check,
              const std::string &layerPath) {
  std::string p = layerPath + ".mamba2";
  check.dim(p + ".num_heads", m.nHeads);
  check.dim(p + ".head_dim", m.headDim);
  check.dim(p + ".num_heads * head_dim", m.nHeads * m.headDim);
  check.dim(p + ".n_groups", m.nGroups);
  check.divides(p + ".n_groups", m.nGroups, "num_heads", m.nHeads);
  check.dim(p + ".d_state", m.dState);
  check.dim(p + ".d_conv", m.dConv);
  check.dim(p + ".chunk_size", m.chunkSize);
  check.dim(p + ".in_proj rows", m.inProjDim());
  if (std::isnan(m.dtMin) || m.dtMin < 0 || std::isinf(m.dtMin))
    check.fail(p + ".dt_min", "a finite number >= 0", check.str(m.dtMin));
  if (std::isnan(m.dtMax) || m.dtMax <= m.dtMin)
    check.fail(p + ".dt_max", "a number > dt_min (" + check.str(m.dtMin) + "), or inf",
               check.str(m.dtMax));
  if (m.gatedNorm) {
    check.positive(p + ".norm_eps", m.normEps);
    check.dim(p + ".norm_groups", m.normGroups);
    check.divides(p + ".norm_groups", m.normGroups, "num_heads * head_dim", m.dInner());
  }
  check.finite(p + ".input_multiplier", m.inputMultiplier);
  for (size_t i = 0; i < m.projMultipliers.size(); ++i)
    check.finite(p + ".proj_multipliers[" + std::to_string(i) + "]", m.projMultipliers[i]);
  check.finite(p + ".output_multiplier", m.outputMultiplier);
}

void listWeights(const Mamba2Spec &m, WeightList &w, bool outProj) {
  w.linear("mamba.in_proj.", w.hidden(), m.inProjDim(), m.inProjBias);
  w.add("mamba.conv1d.weight", {m.convDim(), 1, m.dConv});
  if (m.convBias)
    w.add("mamba.conv1d.bias", {m.convDim()});
  w.add("mamba.dt_bias", {m.nHeads});
  w.add("mamba.A_log", {m.nHeads});
  w.add("mamba.D", {m.nHeads});
  if (m.gatedNorm)
    w.add("mamba.norm.weight", {m.dInner()});
  if (outProj)
    w.linear("mamba.out_proj.", m.dInner(), w.hidden(), m.outProjBias);
}

void listState(const Mamba2Spec &m, StateList &s) {
  s.add("conv_state", {m.convDim(), m.dConv - 1});
  s.add("ssm_state", {m.nHeads, m.headDim, m.dState});
}

void countFlops(const Mamba2Spec &m, const FlopContext &ctx, FlopCount &f, bool outProj) {
  double h = double(ctx.hidden), e = double(m.dInner()), st = double(m.dState),
         nh = double(m.nHeads), k = double(m.dConv);
  double x = linearFlops(h, double(m.inProjDim())) // in_proj
             + 2 * double(m.convDim()) * k          // depthwise causal conv
             // SSD recurrence (for prefill too; the chunked algorithm does
             // more): per state element dB x, h dA + dBx (2), sum C h (2);
             // per head and state dt B; per head dt A; per channel D x + y (2).
             + 5 * e * st + nh * st + nh + 2 * e;
  if (outProj)
    x += linearFlops(e, h);
  f.both(x);
}

} // namespace hybrid::frontend
