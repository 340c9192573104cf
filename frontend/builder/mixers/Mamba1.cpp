//===- Mamba1.cpp - Mamba-1: in_proj, conv, selective scan ----------------===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

Value ModelIRBuilder::emitMixer(const Mamba1Spec &m, Value x, int64_t layer) {
  SmallVector<Value> xz =
      split(linear(x, "mamba.in_proj.", layer), {m.dInner, m.dInner});
  Value u = conv(xz[0], layer);
  SmallVector<Value> dbc =
      split(linear(u, "mamba.x_proj.", layer), {m.dtRank, m.dState, m.dState});
  Value dt = dbc[0], bm = dbc[1], cm = dbc[2];
  if (m.bcdtNorms) {
    NormSpec n{NormKind::RMS, m.bcdtNormEps, false};
    dt = norm(dt, n, "mamba.dt_norm.", layer);
    bm = norm(bm, n, "mamba.b_norm.", layer);
    cm = norm(cm, n, "mamba.c_norm.", layer);
  }
  // softplus(dt_proj(dt)) as HF's MambaMixer writes it;
  // hybrid-fold-dt-into-scan moves the bias and the softplus into the scan
  // (mamba_ssm's delta_bias and delta_softplus).
  Value delta =
      activation(linear(dt, "mamba.dt_proj.", layer), ActivationKind::softplus);
  Value a = negExp(weight("mamba.A_log", layer));
  Value &ss = state(layer, "ssm_state");
  auto scan = SelectiveScanOp::create(
      b, loc, u, delta, a, bm, cm, emptyAct({m.dInner}), ss,
      weight("mamba.D", layer), xz[1], /*delta_bias=*/Value(),
      /*delta_softplus=*/nullptr);
  ss = scan.getNewState();
  return linear(scan.getResult(), "mamba.out_proj.", layer);
}

} // namespace hybrid::frontend::detail
