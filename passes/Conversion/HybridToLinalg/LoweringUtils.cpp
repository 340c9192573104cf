//===- LoweringUtils.cpp - helpers shared by the hybrid lowerings ---------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::hybrid;

namespace mlir::hybrid::lowering {

Value floatConst(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}

Value indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value castFloat(OpBuilder &b, Location loc, Value value, Type type) {
  Type from = value.getType();
  if (from == type)
    return value;
  if (cast<FloatType>(from).getWidth() < cast<FloatType>(type).getWidth())
    return arith::ExtFOp::create(b, loc, type, value);
  return arith::TruncFOp::create(b, loc, type, value);
}

Value extract(OpBuilder &b, Location loc, Value t, ValueRange indices) {
  return tensor::ExtractOp::create(b, loc, t, indices);
}

Value toIndex(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isIndex())
    return value;
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), value);
}

SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value t) {
  return tensor::getMixedSizes(b, loc, t);
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elementType, double value) {
  Value empty = emptyTensor(b, loc, sizes, elementType);
  Value fill = isa<FloatType>(elementType)
                   ? floatConst(b, loc, elementType, value)
                   : arith::ConstantOp::create(
                         b, loc, elementType,
                         b.getIntegerAttr(elementType,
                                          static_cast<int64_t>(value)));
  return linalg::FillOp::create(b, loc, fill, empty).getResult(0);
}

AffineMap identityMap(MLIRContext *ctx, int64_t rank) {
  return AffineMap::getMultiDimIdentityMap(rank, ctx);
}

AffineMap trailingMap(MLIRContext *ctx, int64_t rank, int64_t n) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = rank - n; i < rank; ++i)
    exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

AffineMap leadingMap(MLIRContext *ctx, int64_t rank, int64_t n) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < n; ++i)
    exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value mapElements(OpBuilder &b, Location loc, Value like, Type resultElt,
                  ValueRange inputs, ArrayRef<AffineMap> maps, BodyFn body) {
  auto likeType = cast<RankedTensorType>(like.getType());
  int64_t rank = likeType.getRank();
  Value init = emptyTensor(b, loc, sizesOf(b, loc, like), resultElt);
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(identityMap(b.getContext(), rank));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, allMaps,
      iters, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

namespace {
/// A reduction over the last dim of x into `init` (the leading dims), with
/// `combine(element, accumulator)` as the body.
Value reduceLastDimWith(
    OpBuilder &b, Location loc, Value x, Value init,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {identityMap(ctx, rank),
                                 leadingMap(ctx, rank, rank - 1)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters.back() = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{x}, ValueRange{init}, maps,
      iters, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc,
                                combine(nb, nloc, args[0], args[1]));
      });
  return generic.getResult(0);
}

SmallVector<OpFoldResult> leadingSizes(OpBuilder &b, Location loc, Value x) {
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  sizes.pop_back();
  return sizes;
}
} // namespace

Value reduceLastDim(OpBuilder &b, Location loc, Value x, Type accType,
                    llvm::function_ref<Value(OpBuilder &, Location, Value)>
                        transform) {
  Value init = filledTensor(b, loc, leadingSizes(b, loc, x), accType, 0.0);
  return reduceLastDimWith(
      b, loc, x, init, [&](OpBuilder &nb, Location l, Value v, Value acc) {
        Value term = transform(nb, l, castFloat(nb, l, v, accType));
        return arith::AddFOp::create(nb, l, acc, term,
                                     reassocFlags(nb.getContext()))
            .getResult();
      });
}

Value reduceMaxLastDim(OpBuilder &b, Location loc, Value x) {
  Type elt = cast<RankedTensorType>(x.getType()).getElementType();
  Value init = filledTensor(b, loc, leadingSizes(b, loc, x), elt,
                            -std::numeric_limits<double>::infinity());
  return reduceLastDimWith(
      b, loc, x, init, [](OpBuilder &nb, Location l, Value v, Value acc) {
        return arith::MaximumFOp::create(nb, l, v, acc).getResult();
      });
}

Value softplus(OpBuilder &b, Location loc, Value x) {
  // torch: x > 20 ? x : log1p(exp(x)).
  Type t = x.getType();
  Value threshold = floatConst(b, loc, t, 20.0);
  Value big = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                    threshold);
  Value soft =
      math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
  return arith::SelectOp::create(b, loc, big, x, soft);
}

Value silu(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value one = floatConst(b, loc, t, 1.0);
  Value negExp = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value denom = arith::AddFOp::create(b, loc, one, negExp);
  return arith::DivFOp::create(b, loc, x, denom);
}

Value applyActivation(OpBuilder &b, Location loc, ActivationKind kind,
                      Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConst(b, loc, t, v); };
  switch (kind) {
  case ActivationKind::identity:
    return x;
  case ActivationKind::silu:
    return silu(b, loc, x);
  case ActivationKind::sigmoid: {
    Value negExp =
        math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(
        b, loc, c(1.0), arith::AddFOp::create(b, loc, c(1.0), negExp));
  }
  case ActivationKind::relu:
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  case ActivationKind::relu2: {
    Value r = arith::MaximumFOp::create(b, loc, x, c(0.0));
    return arith::MulFOp::create(b, loc, r, r);
  }
  case ActivationKind::softplus:
    return softplus(b, loc, x);
  case ActivationKind::gelu: {
    // 0.5 x (1 + erf(x / sqrt(2)))
    Value scaled = arith::MulFOp::create(b, loc, x, c(M_SQRT1_2));
    Value erf = math::ErfOp::create(b, loc, scaled);
    Value onePlus = arith::AddFOp::create(b, loc, c(1.0), erf);
    return arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, c(0.5), x), onePlus);
  }
  case ActivationKind::gelu_tanh: {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    Value x3 = arith::MulFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value inner = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, c(0.044715), x3));
    Value th = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, c(std::sqrt(2.0 / M_PI)), inner));
    Value onePlus = arith::AddFOp::create(b, loc, c(1.0), th);
    return arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, c(0.5), x), onePlus);
  }
  }
  llvm_unreachable("unknown activation");
}

arith::FastMathFlagsAttr reassocFlags(MLIRContext *ctx) {
  return arith::FastMathFlagsAttr::get(
      ctx, arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
}

GemmAttr FeatureScales::toGemmAttr(MLIRContext *ctx) const {
  FloatAttr scale = uniform != 1.0
                        ? FloatAttr::get(Float64Type::get(ctx), uniform)
                        : FloatAttr();
  if (sizes.empty())
    return GemmAttr::get(ctx, scale, nullptr, nullptr, /*overwrite=*/false);
  return GemmAttr::get(ctx, scale, DenseI64ArrayAttr::get(ctx, sizes),
                       DenseF64ArrayAttr::get(ctx, scales), /*overwrite=*/false);
}

FeatureScales FeatureScales::fromGemmAttr(GemmAttr gemm) {
  FeatureScales s;
  if (!gemm)
    return s;
  if (FloatAttr scale = gemm.getOutputScale())
    s.uniform = scale.getValueAsDouble();
  if (gemm.getSectionSizes() && gemm.getSectionScales()) {
    s.sizes = gemm.getSectionSizes().asArrayRef();
    s.scales = gemm.getSectionScales().asArrayRef();
  }
  return s;
}

Value featureScale(OpBuilder &b, Location loc, Type f, Value n,
                   const FeatureScales &s) {
  if (s.sizes.empty())
    return floatConst(b, loc, f, s.uniform);
  // From the last section back: n < end(i) ? scale(i) : (later sections).
  Value scale = floatConst(b, loc, f, s.uniform * s.scales.back());
  SmallVector<int64_t> ends;
  int64_t end = 0;
  for (int64_t size : s.sizes)
    ends.push_back(end += size);
  for (int64_t i = static_cast<int64_t>(s.sizes.size()) - 2; i >= 0; --i) {
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n,
                                         indexConst(b, loc, ends[i]));
    scale = arith::SelectOp::create(
        b, loc, inside, floatConst(b, loc, f, s.uniform * s.scales[i]), scale);
  }
  return scale;
}

bool hasUnitInnerStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return !strides.empty() && strides.back() == 1;
}

} // namespace mlir::hybrid::lowering
