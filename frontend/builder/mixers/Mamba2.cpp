//===- Mamba2.cpp - Mamba-2: in_proj sections, conv, SSD scan, gate -------===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

/// The Mamba-2 branch up to (not including) its output projection.
Value ModelIRBuilder::mamba2Core(const Mamba2Spec &m, Value x, int64_t layer) {
  int64_t e = m.dInner(), gn = m.nGroups * m.dState;
  x = scale(x, m.inputMultiplier);
  SmallVector<Value> parts =
      split(linear(x, "mamba.in_proj.", layer), {e, e, gn, gn, m.nHeads});
  // muP multipliers of the in_proj sections [z, x, B, C, dt].
  for (int i = 0; i < 5; ++i)
    parts[i] = scale(parts[i], m.projMultipliers[i]);
  Value z = parts[0];
  // clamp(softplus(dt + dt_bias), time_step_limit) as the models write it;
  // hybrid-fold-dt-into-scan moves it into the scan.
  Value dt = activation(
      add(parts[4], broadcastChannels(weight("mamba.dt_bias", layer))),
      ActivationKind::softplus);
  dt = clampTimeStep(dt, m.dtMin, m.dtMax);
  Value xbc = tensor::ConcatOp::create(
      b, loc, act({m.convDim()}), 2, ValueRange{parts[1], parts[2], parts[3]});
  SmallVector<Value> conved = split(conv(xbc, layer), {e, gn, gn});
  Value x4 = splitHeads(conved[0], m.nHeads, m.headDim);
  Value b4 = splitHeads(conved[1], m.nGroups, m.dState);
  Value c4 = splitHeads(conved[2], m.nGroups, m.dState);
  Value a = negExp(weight("mamba.A_log", layer));
  Value &ss = state(layer, "ssm_state");
  auto scan = SSDScanOp::create(
      b, loc, x4, dt, a, b4, c4, emptyAct({m.nHeads, m.headDim}), ss,
      weight("mamba.D", layer), /*gate=*/Value(), /*dt_bias=*/Value(),
      b.getI64IntegerAttr(m.chunkSize), /*dt_softplus=*/nullptr,
      b.getF64FloatAttr(0.0), /*dt_max=*/FloatAttr());
  ss = scan.getNewState();
  Value y = mergeHeads(scan.getResult());
  Value gate = activation(z, ActivationKind::silu);
  if (!m.gatedNorm)
    return mul(y, gate);
  // MambaRMSNormGated as the models write it: the SiLU gate before or
  // after an RMS norm taken per group of the features;
  // hybrid-raise-norms folds it back into one hybrid.gated_rms_norm.
  if (!m.normBeforeGate)
    y = mul(y, gate);
  Value normed = groupedNorm(y, NormKind::RMS, m.normEps,
                             weight("mamba.norm.weight", layer), Value(),
                             std::max<int64_t>(m.normGroups, 1));
  return m.normBeforeGate ? mul(normed, gate) : normed;
}

Value ModelIRBuilder::emitMixer(const Mamba2Spec &m, Value x, int64_t layer) {
  Value o = linear(mamba2Core(m, x, layer), "mamba.out_proj.", layer);
  return scale(o, m.outputMultiplier);
}

} // namespace hybrid::frontend::detail
