//===- SSMCommon.cpp - What the Mamba mixers emit alike -------------------===//
//
// The causal conv with its state, -exp(A_log), per-channel parameters and the
// time-step limit, as Mamba-1 and Mamba-2 both write them.
//
//===----------------------------------------------------------------------===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

/// Conv weight [C, 1, K] -> [C, K].
Value ModelIRBuilder::convWeight(int64_t layer) {
  Value w = weight("mamba.conv1d.weight", layer);
  auto type = cast<RankedTensorType>(w.getType());
  return tensor::CollapseShapeOp::create(
      b, loc,
      RankedTensorType::get({type.getDimSize(0), type.getDimSize(2)},
                            type.getElementType()),
      w, SmallVector<ReassociationIndices>{{0, 1}, {2}});
}

/// -exp(A_log), in f32 whatever the weight dtype, as the models compute it
/// (`-torch.exp(self.A_log.float())`): a bf16 exp would round the decay
/// rates and needs a soft-float truncation the artifact does not link.
Value ModelIRBuilder::negExp(Value aLog) {
  auto type = cast<RankedTensorType>(aLog.getType());
  if (!type.getElementType().isF32())
    aLog = arith::ExtFOp::create(b, loc, type.clone(b.getF32Type()), aLog);
  return arith::NegFOp::create(b, loc, math::ExpOp::create(b, loc, aLog));
}

/// A per-channel parameter [C] (widened to f32) broadcast over the batch
/// and sequence dims of the activations, [B, T, C], as `x + p` does in
/// PyTorch.
Value ModelIRBuilder::broadcastChannels(Value p) {
  auto type = cast<RankedTensorType>(p.getType());
  if (!type.getElementType().isF32())
    p = arith::ExtFOp::create(b, loc, type.clone(f32), p);
  return linalg::BroadcastOp::create(b, loc, p, emptyAct(type.getShape()),
                                     ArrayRef<int64_t>{0, 1})
      ->getResult(0);
}

/// torch.clamp(x, lo, hi) as the scans' time-step limit is written: the
/// lower bound only when positive (a softplus output is never below 0),
/// the upper bound only when finite.
Value ModelIRBuilder::clampTimeStep(Value dt, double lo, double hi) {
  auto bound = [&](double v) -> Value {
    Value c = arith::ConstantOp::create(b, loc, b.getFloatAttr(f32, v));
    return linalg::FillOp::create(b, loc, c, emptyAct({lastDim(dt)}))
        .getResult(0);
  };
  if (lo > 0.0)
    dt = arith::MaximumFOp::create(b, loc, dt, bound(lo));
  if (std::isfinite(hi))
    dt = arith::MinimumFOp::create(b, loc, dt, bound(hi));
  return dt;
}

Value ModelIRBuilder::conv(Value x, int64_t layer) {
  int64_t channels = lastDim(x);
  Value &cs = state(layer, "conv_state");
  auto op = CausalConv1dOp::create(
      b, loc, x, convWeight(layer), emptyAct({channels}), cs,
      optionalWeight("mamba.conv1d.bias", layer), ActivationKind::identity);
  cs = op.getNewState();
  // Unfused, as the model writes it; hybrid-fuse-conv-activation folds it.
  return activation(op.getResult(), ActivationKind::silu);
}

} // namespace hybrid::frontend::detail
