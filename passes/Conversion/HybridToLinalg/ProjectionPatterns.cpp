//===- ProjectionPatterns.cpp - embedding, linear, gated MLP, split -------===//
//
// Lowers the projections to linalg.generic on tensors. The loop order of
// `linear` puts the reduction dimension innermost and contiguous in both
// operands (weights are [N, K]), which is what a GEMV-bound decode step
// wants. `split` cuts a merged projection's result into its pieces.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

SmallVector<Value> mlir::hybrid::lowering::buildProjections(
    OpBuilder &b, Location loc, Value x, ArrayRef<Value> weights,
    ArrayRef<Value> inits, const FeatureScales &scale) {
  MLIRContext *ctx = b.getContext();
  Type computeType = elementTypeOf(x);
  int64_t rank = rankOf(x), loops = rank + 1;
  SmallVector<AffineExpr> xExprs, yExprs;
  for (int64_t i = 0; i < rank - 1; ++i) {
    xExprs.push_back(getAffineDimExpr(i, ctx));
    yExprs.push_back(getAffineDimExpr(i, ctx));
  }
  AffineExpr n = getAffineDimExpr(rank - 1, ctx);
  AffineExpr k = getAffineDimExpr(rank, ctx);
  xExprs.push_back(k);
  yExprs.push_back(n);
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, xExprs, ctx)};
  for (size_t j = 0; j < weights.size(); ++j)
    maps.push_back(AffineMap::get(loops, 0, {n, k}, ctx));
  for (size_t j = 0; j < inits.size(); ++j)
    maps.push_back(AffineMap::get(loops, 0, yExprs, ctx));
  SmallVector<utils::IteratorType> iters(loops, utils::IteratorType::parallel);
  iters.back() = utils::IteratorType::reduction;
  SmallVector<Value> inputs = {x};
  inputs.append(weights.begin(), weights.end());
  SmallVector<Type> resultTypes;
  for (Value init : inits)
    resultTypes.push_back(init.getType());
  size_t count = weights.size();
  auto matmul = linalg::GenericOp::create(
      b, loc, resultTypes, inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> sums;
        for (size_t j = 0; j < count; ++j) {
          Value wv = castFloat(nb, l, args[1 + j], computeType);
          Value prod = arith::MulFOp::create(nb, l, args[0], wv,
                                             reassocFlags(nb.getContext()));
          if (!scale.isIdentity())
            prod = arith::MulFOp::create(
                nb, l, prod,
                featureScale(nb, l, computeType,
                             linalg::IndexOp::create(nb, l, rank - 1), scale),
                reassocFlags(nb.getContext()));
          sums.push_back(arith::AddFOp::create(nb, l, args[1 + count + j],
                                               prod,
                                               reassocFlags(nb.getContext())));
        }
        linalg::YieldOp::create(nb, l, sums);
      });
  // The target's GEMM code (the micro-kernel) finds the GEMM by this, and
  // applies the scale once to each dot product.
  getHybridDialect(b.getContext())
      ->getGemmAttrHelper()
      .setAttr(matmul, scale.toGemmAttr(b.getContext()));
  return llvm::to_vector_of<Value>(matmul.getResults());
}

namespace {

struct LowerEmbedding : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value table = op.getTable();
    int64_t rank = rankOf(op.getResult());
    MLIRContext *ctx = rewriter.getContext();
    // Iterate over the result; the id comes from the leading dims.
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, op.getIds());
    sizes.push_back(tensor::getMixedSize(rewriter, loc, table, 1));
    Type resultElt = elementTypeOf(op.getResult());
    double scale = op.getOutputScale().convertToDouble();
    Value like = emptyTensor(rewriter, loc, sizes, resultElt);
    Value result = mapElements(
        rewriter, loc, like, resultElt, ValueRange{op.getIds()},
        {leadingMap(ctx, rank, rank - 1)},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value row = toIndex(b, l, args[0]);
          Value col = linalg::IndexOp::create(b, l, rank - 1);
          Value v = castFloat(b, l, extract(b, l, table, {row, col}), resultElt);
          if (scale != 1.0)
            v = arith::MulFOp::create(b, l, v,
                                      floatConst(b, l, resultElt, scale));
          return v;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerLinear : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getInput(), w = op.getWeight();
    Type computeType = elementTypeOf(x);
    int64_t rank = rankOf(x); // result rank; iteration adds the reduction dim
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    sizes.back() = tensor::getMixedSize(rewriter, loc, w, 0);

    // Accumulator: the bias broadcast over the leading dims, or zeros.
    Value init;
    FeatureScales scale{op.getOutputScale().convertToDouble(),
                        op.getSectionSizes().value_or(ArrayRef<int64_t>()),
                        op.getSectionScales().value_or(ArrayRef<double>())};
    if (Value bias = op.getBias()) {
      // (x·W + b)·s accumulates x·W·s onto b·s.
      Value like = emptyTensor(rewriter, loc, sizes, computeType);
      init = mapElements(rewriter, loc, like, computeType, ValueRange{bias},
                         {trailingMap(ctx, rank, 1)},
                         [&](OpBuilder &b, Location l, ValueRange args) {
                           Value v = castFloat(b, l, args[0], computeType);
                           if (!scale.isIdentity())
                             v = arith::MulFOp::create(
                                 b, l, v,
                                 featureScale(
                                     b, l, computeType,
                                     linalg::IndexOp::create(b, l, rank - 1),
                                     scale));
                           return v;
                         });
    } else {
      init = filledTensor(rewriter, loc, sizes, computeType, 0.0);
    }

    Value y = buildProjections(rewriter, loc, x, {w}, {init}, scale)[0];
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// Gate and up projections as one merged GEMM (one pass over x, one thread
/// team, the two weight rows of a feature side by side), the activation and
/// product as its pointwise epilogue, then the down projection.
struct LowerGatedMLP : OpRewritePattern<GatedMLPOp> {
  // Preferred over hybrid-decompose-fused-ops' pattern, which the conversion
  // also carries for add_rms_norm.
  LowerGatedMLP(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(GatedMLPOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    Type f = elementTypeOf(x);
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    sizes.back() = tensor::getMixedSize(rewriter, loc, op.getGate(), 0);
    Value zeroG = filledTensor(rewriter, loc, sizes, f, 0.0);
    Value zeroU = filledTensor(rewriter, loc, sizes, f, 0.0);
    SmallVector<Value> gu = buildProjections(
        rewriter, loc, x, {op.getGate(), op.getUp()}, {zeroG, zeroU});
    ActivationKind kind = op.getActivation();
    double gateScale = op.getGateScale().convertToDouble();
    auto gateOf = [&](OpBuilder &b, Location l, Value g) -> Value {
      if (gateScale == 1.0)
        return g;
      return arith::MulFOp::create(b, l, g, floatConst(b, l, f, gateScale));
    };
    int64_t rank = rankOf(x);
    Value h = mapElements(
        rewriter, loc, gu[0], f, ValueRange{gu[0], gu[1]},
        {identityMap(rewriter.getContext(), rank),
         identityMap(rewriter.getContext(), rank)},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::MulFOp::create(b, l,
                                       applyActivation(b, l, kind, gateOf(b, l, args[0])),
                                       args[1]);
        });
    rewriter.replaceOpWithNewOp<LinearOp>(op, op.getType(), h, op.getDown(),
                                          Value(), op.getOutputScaleAttr());
    return success();
  }
};

struct LowerSplit : OpRewritePattern<SplitOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SplitOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    int64_t rank = rankOf(x);
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    SmallVector<Value> pieces;
    int64_t offset = 0;
    for (auto [size, result] : llvm::zip(op.getSizes(), op.getResults())) {
      offsets.back() = rewriter.getIndexAttr(offset);
      sizes.back() = rewriter.getIndexAttr(size);
      pieces.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, cast<RankedTensorType>(result.getType()), x, offsets,
          sizes, strides));
      offset += size;
    }
    rewriter.replaceOp(op, pieces);
    return success();
  }
};

} // namespace

void mlir::hybrid::populateHybridToLinalgProjectionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerEmbedding, LowerLinear, LowerGatedMLP, LowerSplit>(
      patterns.getContext());
}
