//===- NormPatterns.cpp - rms_norm, layer_norm, gated_rms_norm ------------===//
//
// Norms lower to a reduction over the last dimension (accumulated in f32 or
// wider, as HF upcasts) followed by one elementwise pass.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

/// f32 for narrower floats, else the type itself.
Type accumulatorType(Type t) {
  return cast<FloatType>(t).getWidth() < 32 ? Float32Type::get(t.getContext())
                                            : t;
}

/// The last dimension's size as a float of type `t`.
Value lastDimAsFloat(OpBuilder &b, Location loc, Value x, Type t) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t d = type.getRank() - 1;
  if (!type.isDynamicDim(d))
    return floatConst(b, loc, t, static_cast<double>(type.getDimSize(d)));
  Value size = tensor::DimOp::create(b, loc, x, d);
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), size);
  return arith::SIToFPOp::create(b, loc, t, i64);
}

/// y = v * rsqrt(stat / count + eps) * weight + bias, elementwise over v
/// ([..., D], in the accumulator type `acc`); stat is per row ([...]); the
/// optional weight and bias cover trailing dims. The tail of every norm.
Value normalizeRows(OpBuilder &b, Location loc, Value v, Value stat,
                    Value count, double epsilon, Value weight, Value bias,
                    Type acc, Type elt) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  SmallVector<Value> inputs = {v, stat};
  SmallVector<AffineMap> maps = {identityMap(ctx, rank),
                                 leadingMap(ctx, rank, rank - 1)};
  int weightArg = -1, biasArg = -1;
  for (auto [param, slot] : {std::pair{weight, &weightArg}, {bias, &biasArg}}) {
    if (!param)
      continue;
    *slot = inputs.size();
    inputs.push_back(param);
    maps.push_back(trailingMap(
        ctx, rank, cast<RankedTensorType>(param.getType()).getRank()));
  }
  return mapElements(b, loc, v, elt, inputs, maps,
                     [&](OpBuilder &nb, Location l, ValueRange args) {
                       Value mean = arith::DivFOp::create(nb, l, args[1], count);
                       Value inv = math::RsqrtOp::create(
                           nb, l,
                           arith::AddFOp::create(
                               nb, l, mean, floatConst(nb, l, acc, epsilon)));
                       Value y = arith::MulFOp::create(
                           nb, l, castFloat(nb, l, args[0], acc), inv);
                       if (weightArg >= 0)
                         y = arith::MulFOp::create(
                             nb, l, y, castFloat(nb, l, args[weightArg], acc));
                       if (biasArg >= 0)
                         y = arith::AddFOp::create(
                             nb, l, y, castFloat(nb, l, args[biasArg], acc));
                       return castFloat(nb, l, y, elt);
                     });
}

/// y = x * rsqrt(sumsq(x)/D + eps) * weight + bias, over the last dim of x.
Value rmsNorm(OpBuilder &b, Location loc, Value x, Value weight, Value bias,
              double epsilon) {
  Type elt = cast<RankedTensorType>(x.getType()).getElementType();
  Type acc = accumulatorType(elt);
  Value sumsq = reduceLastDim(b, loc, x, acc,
                              [](OpBuilder &nb, Location l, Value v) {
                                return arith::MulFOp::create(nb, l, v, v);
                              });
  Value count = lastDimAsFloat(b, loc, x, acc);
  return normalizeRows(b, loc, x, sumsq, count, epsilon, weight, bias, acc,
                       elt);
}

struct LowerRMSNorm : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, rmsNorm(rewriter, op.getLoc(), op.getInput(),
                                   op.getWeight(), op.getBias(),
                                   op.getEpsilon().convertToDouble()));
    return success();
  }
};

struct LowerLayerNorm : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    Type elt = type.getElementType(), acc = accumulatorType(elt);
    double eps = op.getEpsilon().convertToDouble();
    Value count = lastDimAsFloat(rewriter, loc, x, acc);
    Value sum = reduceLastDim(rewriter, loc, x, acc,
                              [](OpBuilder &, Location, Value v) { return v; });
    AffineMap lead = leadingMap(ctx, rank, rank - 1);
    Value mean = mapElements(
        rewriter, loc, sum, acc, ValueRange{sum},
        {identityMap(ctx, rank - 1)},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::DivFOp::create(b, l, args[0], count);
        });
    // Biased variance, two-pass for accuracy.
    Value centered = mapElements(
        rewriter, loc, x, acc, ValueRange{x, mean},
        {identityMap(ctx, rank), lead},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::SubFOp::create(b, l, castFloat(b, l, args[0], acc),
                                       args[1]);
        });
    Value sumsq = reduceLastDim(rewriter, loc, centered, acc,
                                [](OpBuilder &b, Location l, Value v) {
                                  return arith::MulFOp::create(b, l, v, v);
                                });
    Value y = normalizeRows(rewriter, loc, centered, sumsq, count, eps,
                            op.getWeight(), op.getBias(), acc, elt);
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// Mamba-2's gated norm: the groups of the last dim are normalized apart, by
/// viewing [..., D] as [..., G, D/G].
struct LowerGatedRMSNorm : OpRewritePattern<GatedRMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatedRMSNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getInput(), z = op.getGate(), w = op.getWeight();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    int64_t features = type.getDimSize(rank - 1);
    int64_t groupSize = op.getGroupSize();
    if (ShapedType::isDynamic(features))
      return rewriter.notifyMatchFailure(op, "dynamic feature count");
    int64_t groups = features / groupSize;
    Type elt = type.getElementType();
    bool normFirst = op.getNormBeforeGate();

    // Gate before the norm unless norm_before_gate.
    Value pre = x;
    if (!normFirst)
      pre = mapElements(rewriter, loc, x, elt, ValueRange{x, z},
                        {identityMap(ctx, rank), identityMap(ctx, rank)},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          return arith::MulFOp::create(b, l, args[0],
                                                       silu(b, l, args[1]));
                        });

    // [..., D] -> [..., G, D/G], norm per group, and back.
    SmallVector<ReassociationIndices> reassoc;
    for (int64_t i = 0; i < rank - 1; ++i)
      reassoc.push_back({i});
    reassoc.push_back({rank - 1, rank});
    SmallVector<int64_t> groupedShape(type.getShape());
    groupedShape.back() = groups;
    groupedShape.push_back(groupSize);
    auto groupedType = RankedTensorType::get(groupedShape, elt);
    SmallVector<OpFoldResult> outSizes = sizesOf(rewriter, loc, x);
    outSizes.back() = rewriter.getIndexAttr(groups);
    outSizes.push_back(rewriter.getIndexAttr(groupSize));
    Value grouped = tensor::ExpandShapeOp::create(rewriter, loc, groupedType,
                                                  pre, reassoc, outSizes);
    auto wType = cast<RankedTensorType>(w.getType());
    Value wGrouped = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({groups, groupSize}, wType.getElementType()), w,
        SmallVector<ReassociationIndices>{{0, 1}});
    Value normed = rmsNorm(rewriter, loc, grouped, wGrouped, Value(),
                           op.getEpsilon().convertToDouble());
    Value y = tensor::CollapseShapeOp::create(rewriter, loc, type, normed,
                                              reassoc);
    if (normFirst)
      y = mapElements(rewriter, loc, y, elt, ValueRange{y, z},
                      {identityMap(ctx, rank), identityMap(ctx, rank)},
                      [&](OpBuilder &b, Location l, ValueRange args) {
                        return arith::MulFOp::create(b, l, args[0],
                                                     silu(b, l, args[1]));
                      });
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void mlir::hybrid::populateHybridToLinalgNormPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerRMSNorm, LowerLayerNorm, LowerGatedRMSNorm>(
      patterns.getContext());
}
