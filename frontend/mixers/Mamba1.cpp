//===- Mamba1.cpp - Mamba-1: checks, tensors, state, FLOPs ----------------===//

#include "frontend/mixers/Mamba1.h"
#include "frontend/SpecCheck.h"

namespace hybrid::frontend {

void validate(const Mamba1Spec &m, const detail::SpecChecker &check,
              const std::string &layerPath) {
  std::string p = layerPath + ".mamba1";
  check.dim(p + ".d_inner", m.dInner);
  check.dim(p + ".d_state", m.dState);
  check.dim(p + ".d_conv", m.dConv);
  check.dim(p + ".dt_rank", m.dtRank);
  if (m.bcdtNorms)
    check.positive(p + ".norm_eps", m.bcdtNormEps);
}

void listWeights(const Mamba1Spec &m, WeightList &w) {
  int64_t e = m.dInner;
  w.linear("mamba.in_proj.", w.hidden(), 2 * e, m.inProjBias);
  w.add("mamba.conv1d.weight", {e, 1, m.dConv});
  if (m.convBias)
    w.add("mamba.conv1d.bias", {e});
  w.add("mamba.x_proj.weight", {m.dtRank + 2 * m.dState, e});
  w.linear("mamba.dt_proj.", m.dtRank, e, /*bias=*/true);
  w.add("mamba.A_log", {e, m.dState});
  w.add("mamba.D", {e});
  if (m.bcdtNorms) {
    w.add("mamba.dt_norm.weight", {m.dtRank});
    w.add("mamba.b_norm.weight", {m.dState});
    w.add("mamba.c_norm.weight", {m.dState});
  }
  w.linear("mamba.out_proj.", e, w.hidden(), m.outProjBias);
}

void listState(const Mamba1Spec &m, StateList &s) {
  s.add("conv_state", {m.dInner, m.dConv - 1});
  s.add("ssm_state", {m.dInner, m.dState});
}

void countFlops(const Mamba1Spec &m, const FlopContext &ctx, FlopCount &f) {
  double h = double(ctx.hidden), e = double(m.dInner), st = double(m.dState),
         r = double(m.dtRank), k = double(m.dConv);
  f.both(linearFlops(h, 2 * e)        // in_proj
         + 2 * e * k                  // depthwise causal conv
         + linearFlops(e, r + 2 * st) // x_proj
         + linearFlops(r, e)          // dt_proj
         // Selective scan: per state element dt A, (dt x) B, h dA + dBx (2),
         // sum C h (2); per channel dt x, D x + y (2).
         + 6 * e * st + 3 * e
         + linearFlops(e, h));        // out_proj
}

} // namespace hybrid::frontend
