//===- BuilderCore.cpp - Types, small ops, weights, norms, state ----------===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

ActivationKind toActivation(Activation a) {
  switch (a) {
  case Activation::Silu:
    return ActivationKind::silu;
  case Activation::Gelu:
    return ActivationKind::gelu;
  case Activation::GeluTanh:
    return ActivationKind::gelu_tanh;
  case Activation::Relu:
    return ActivationKind::relu;
  case Activation::Relu2:
    return ActivationKind::relu2;
  }
  return ActivationKind::silu;
}

Type ModelIRBuilder::typeOf(DType t) {
  switch (t) {
  case DType::F32:
    return f32;
  case DType::BF16:
    return BFloat16Type::get(&ctx);
  case DType::F16:
    return Float16Type::get(&ctx);
  case DType::F64:
    return Float64Type::get(&ctx);
  }
  return f32;
}

/// Activation type [B, T, dims...].
RankedTensorType ModelIRBuilder::act(ArrayRef<int64_t> dims) {
  SmallVector<int64_t> shape = {kDyn, seqLen};
  shape.append(dims.begin(), dims.end());
  return RankedTensorType::get(shape, f32);
}

int64_t ModelIRBuilder::lastDim(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape().back();
}

bool ModelIRBuilder::has(const std::string &role, int64_t layer) {
  return weightsByRole.count({role, layer}) != 0;
}

Value ModelIRBuilder::weight(const std::string &role, int64_t layer) {
  auto it = weightsByRole.find({role, layer});
  if (it == weightsByRole.end())
    llvm::report_fatal_error(llvm::Twine("hybridc: no weight with role '") +
                             role + "' in layer " + llvm::Twine(layer));
  const WeightSpec &w = it->second;
  Type elt = typeOf(options.weightDtype.value_or(w.dtype));
  return WeightOp::create(b, loc, RankedTensorType::get(w.shape, elt), w.name);
}

Value ModelIRBuilder::optionalWeight(const std::string &role, int64_t layer) {
  return has(role, layer) ? weight(role, layer) : Value();
}

/// linear(x, PREFIX weight, PREFIX bias?).
Value ModelIRBuilder::linear(Value x, const std::string &prefix,
                             int64_t layer) {
  // "attn.q_proj." -> the site layers.N.attn.q_proj.
  SiteScope site(*this, layer, StringRef(prefix).drop_back());
  // Weight before bias: the order of hybrid.weight ops is the order of
  // the entry's weight arguments.
  Value w = weight(prefix + "weight", layer);
  Value bias = optionalWeight(prefix + "bias", layer);
  return linearWith(x, w, bias);
}

/// A linear with an explicit weight value (tied heads, slices).
Value ModelIRBuilder::linearWith(Value x, Value w, Value bias) {
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(xType.getShape());
  shape.back() = cast<RankedTensorType>(w.getType()).getDimSize(0);
  return LinearOp::create(b, loc, RankedTensorType::get(shape, f32), x, w,
                          bias);
}

Value ModelIRBuilder::scale(Value x, double factor) {
  if (factor == 1.0)
    return x;
  return ScaleOp::create(b, loc, x, b.getF64FloatAttr(factor));
}

Value ModelIRBuilder::activation(Value x, ActivationKind kind) {
  return ActivationOp::create(b, loc, kind, x);
}

/// An MLP activation as the models write it: relu² is Nemotron-H's
/// square(relu(x)), relu(x) * relu(x); hybrid-raise-activations folds it
/// back into one relu2.
Value ModelIRBuilder::mlpActivation(Value x, ActivationKind kind) {
  if (kind != ActivationKind::relu2)
    return activation(x, kind);
  Value r = activation(x, ActivationKind::relu);
  return mul(r, r);
}

SmallVector<Value> ModelIRBuilder::split(Value x, ArrayRef<int64_t> sizes) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<Type> types;
  for (int64_t s : sizes) {
    SmallVector<int64_t> shape(type.getShape());
    shape.back() = s;
    types.push_back(RankedTensorType::get(shape, type.getElementType()));
  }
  auto op = SplitOp::create(b, loc, types, x, b.getDenseI64ArrayAttr(sizes));
  return llvm::to_vector_of<Value>(op.getResults());
}

Value ModelIRBuilder::norm(Value x, const NormSpec &n,
                           const std::string &prefix, int64_t layer) {
  Value w = optionalWeight(prefix + "weight", layer);
  // Moshi's RMSNorm stores `alpha` as [1, 1, D]: the norm reads [D].
  if (auto t = w ? dyn_cast<RankedTensorType>(w.getType()) : RankedTensorType();
      t && t.getRank() > 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < t.getRank(); ++i)
      all.push_back(i);
    w = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({t.getNumElements()}, t.getElementType()),
        w, SmallVector<ReassociationIndices>{all});
  }
  Value bias = optionalWeight(prefix + "bias", layer);
  switch (n.kind) {
  case NormKind::None:
    return x;
  case NormKind::RMS:
    return RMSNormOp::create(b, loc, x.getType(), x, w, bias,
                             b.getF64FloatAttr(n.eps));
  case NormKind::Layer:
    return LayerNormOp::create(b, loc, x.getType(), x, w, bias,
                               b.getF64FloatAttr(n.eps));
  }
  return x;
}

/// [B, T, H*D] -> [B, T, H, D].
Value ModelIRBuilder::splitHeads(Value x, int64_t heads, int64_t dim) {
  auto type = RankedTensorType::get(
      {kDyn, seqLen, heads, dim},
      cast<RankedTensorType>(x.getType()).getElementType());
  SmallVector<OpFoldResult> sizes = {batchSize, seqSize, b.getIndexAttr(heads),
                                     b.getIndexAttr(dim)};
  return tensor::ExpandShapeOp::create(
      b, loc, type, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
      sizes);
}

/// [B, T, H, D] -> [B, T, H*D].
Value ModelIRBuilder::mergeHeads(Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  auto merged = RankedTensorType::get(
      {kDyn, seqLen, type.getDimSize(2) * type.getDimSize(3)},
      type.getElementType());
  return tensor::CollapseShapeOp::create(
      b, loc, merged, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
}

Value ModelIRBuilder::emptyAct(ArrayRef<int64_t> dims) {
  SmallVector<OpFoldResult> sizes = {batchSize, seqSize};
  for (int64_t d : dims)
    sizes.push_back(b.getIndexAttr(d));
  return tensor::EmptyOp::create(b, loc, sizes, f32);
}

/// A norm of each of `groups` equal groups of the last dim of x [B, T, D],
/// as the models compute it: x viewed as [B, T, G, D/G], normalized over
/// the last dim with the weight and bias viewed as [G, D/G], viewed back.
/// One group is a plain norm.
Value ModelIRBuilder::groupedNorm(Value x, NormKind kind, double eps, Value w,
                                  Value bias, int64_t groups) {
  int64_t dim = lastDim(x) / groups;
  auto perGroup = [&](Value param) -> Value {
    if (!param || groups == 1)
      return param;
    auto type = cast<RankedTensorType>(param.getType());
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({groups, dim}, type.getElementType()),
        param, SmallVector<ReassociationIndices>{{0, 1}});
  };
  Value grouped = groups == 1 ? x : splitHeads(x, groups, dim);
  w = perGroup(w);
  bias = perGroup(bias);
  Value y = kind == NormKind::RMS
                ? RMSNormOp::create(b, loc, grouped.getType(), grouped, w, bias,
                                    b.getF64FloatAttr(eps))
                      .getResult()
                : LayerNormOp::create(b, loc, grouped.getType(), grouped, w,
                                      bias, b.getF64FloatAttr(eps))
                      .getResult();
  return groups == 1 ? y : mergeHeads(y);
}

Value &ModelIRBuilder::state(int64_t layer, const std::string &kind) {
  for (size_t i = 0; i < states.size(); ++i)
    if (states[i].layer == layer && states[i].kind == kind)
      return stateValues[i];
  llvm::report_fatal_error(llvm::Twine("hybridc: no state '") + kind +
                           "' for layer " + llvm::Twine(layer));
}

/// The layer's mixer, whichever kind it is (builder/mixers/<Kind>.cpp).
Value ModelIRBuilder::mixer(const LayerSpec &l, Value x) {
  return std::visit([&](const auto &m) { return emitMixer(m, x, l.index); },
                    l.mixer);
}

} // namespace hybrid::frontend::detail
