//===- Ffn.cpp - MLPs and mixture of experts ------------------------------===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

Value ModelIRBuilder::ffn(const FfnSpec &f, Value x, const std::string &prefix,
                          int64_t layer) {
  ActivationKind kind = toActivation(f.activation);
  switch (f.kind) {
  case FfnKind::None:
  case FfnKind::Moe:
    return Value();
  case FfnKind::Mlp: {
    Value h = mlpActivation(linear(x, prefix + "up_proj.", layer), kind);
    return scale(linear(h, prefix + "down_proj.", layer), f.downMultiplier);
  }
  case FfnKind::GatedMlp: {
    Value gate, up;
    if (f.fusedGateUp) {
      SmallVector<Value> gu = split(linear(x, prefix + "gate_up_proj.", layer),
                                    {f.intermediate, f.intermediate});
      gate = f.gateFirst ? gu[0] : gu[1];
      up = f.gateFirst ? gu[1] : gu[0];
    } else {
      gate = linear(x, prefix + "gate_proj.", layer);
      up = linear(x, prefix + "up_proj.", layer);
    }
    Value h = mul(mlpActivation(scale(gate, f.gateMultiplier), kind), up);
    return scale(linear(h, prefix + "down_proj.", layer), f.downMultiplier);
  }
  }
  return Value();
}

/// Slice [E, rows, cols] -> rows [offset, offset + count) of every expert.
Value ModelIRBuilder::expertRows(Value w, int64_t offset, int64_t count) {
  auto type = cast<RankedTensorType>(w.getType());
  auto sliceType = RankedTensorType::get(
      {type.getDimSize(0), count, type.getDimSize(2)}, type.getElementType());
  SmallVector<OpFoldResult> offsets = {
      b.getIndexAttr(0), b.getIndexAttr(offset), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(type.getDimSize(0)),
                                     b.getIndexAttr(count),
                                     b.getIndexAttr(type.getDimSize(2))};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, sliceType, w, offsets, sizes,
                                        strides);
}

Value ModelIRBuilder::stackedExperts(const MoeSpec &m, const std::string &which,
                                     int64_t layer) {
  SmallVector<StringRef> names;
  std::vector<std::string> storage;
  SmallVector<int64_t> shape;
  Type elt;
  for (int64_t e = 0; e < m.numExperts; ++e) {
    const WeightSpec &w = weightsByRole.at(
        {"moe.experts." + std::to_string(e) + "." + which + ".weight", layer});
    storage.push_back(w.name);
    if (shape.empty()) {
      shape.push_back(m.numExperts);
      shape.append(w.shape.begin(), w.shape.end());
      elt = typeOf(options.weightDtype.value_or(w.dtype));
    }
  }
  for (const std::string &s : storage)
    names.push_back(s);
  return StackedWeightOp::create(b, loc, RankedTensorType::get(shape, elt),
                                 b.getStrArrayAttr(names));
}

Value ModelIRBuilder::moe(const MoeSpec &m, Value x, int64_t layer) {
  bool gated = m.expert.kind == FfnKind::GatedMlp;
  int64_t i = m.expert.intermediate;
  Value gate, up, down;
  if (m.layout == ExpertLayout::Stacked) {
    if (gated) {
      Value gu = weight("moe.experts.gate_up_proj", layer);
      Value first = expertRows(gu, 0, i), second = expertRows(gu, i, i);
      gate = m.expert.gateFirst ? first : second;
      up = m.expert.gateFirst ? second : first;
    } else {
      up = weight("moe.experts.up_proj", layer);
    }
    down = weight("moe.experts.down_proj", layer);
  } else {
    if (gated)
      gate = stackedExperts(m, "gate_proj", layer);
    up = stackedExperts(m, "up_proj", layer);
    down = stackedExperts(m, "down_proj", layer);
  }
  Value bias =
      m.correctionBias ? weight("moe.router.correction_bias", layer) : Value();
  Value y = MoEOp::create(
      b, loc, x.getType(), x, weight("moe.router.weight", layer), up, down,
      gate, bias, b.getI64IntegerAttr(m.topK),
      ActivationKindAttr::get(&ctx, toActivation(m.expert.activation)),
      RouterScoringAttr::get(&ctx, m.scoring == frontend::RouterScoring::Softmax
                                       ? mlir::hybrid::RouterScoring::softmax
                                       : mlir::hybrid::RouterScoring::sigmoid),
      m.normTopK ? b.getUnitAttr() : nullptr,
      b.getF64FloatAttr(m.routedScaling));
  if (m.shared.kind != FfnKind::None)
    y = add(y, ffn(m.shared, x, "moe.shared.", layer));
  return y;
}

} // namespace hybrid::frontend::detail
