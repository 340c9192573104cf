//===- ProjectionPatterns.cpp - embedding, linear, pointwise, MoE ---------===//
//
// Lowers the stateless hybrid ops that are projections or pointwise maps to
// linalg.generic on tensors. The loop order of `linear` puts the reduction
// dimension innermost and contiguous in both operands (weights are [N, K]),
// which is what a GEMV-bound decode step wants.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

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
    Value like = emptyTensor(rewriter, loc, sizes, resultElt);
    Value result = mapElements(
        rewriter, loc, like, resultElt, ValueRange{op.getIds()},
        {leadingMap(ctx, rank, rank - 1)},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value row = toIndex(b, l, args[0]);
          Value col = linalg::IndexOp::create(b, l, rank - 1);
          return castFloat(b, l, extract(b, l, table, {row, col}), resultElt);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// y_j[..., n] = init_j[..., n] + Σ_k x[..., k] · w_j[n, k] for every weight
/// w_j (all [N, K]) in ONE generic: the reduction dim innermost and
/// contiguous in both operands, x read once for all weights, tagged for the
/// target's micro-kernel and kept apart from elementwise fusion.
SmallVector<Value> buildProjections(OpBuilder &b, Location loc, Value x,
                                    ArrayRef<Value> weights,
                                    ArrayRef<Value> inits,
                                    double scale = 1.0) {
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
          if (scale != 1.0)
            prod = arith::MulFOp::create(nb, l, prod,
                                         floatConst(nb, l, computeType, scale),
                                         reassocFlags(nb.getContext()));
          sums.push_back(arith::AddFOp::create(nb, l, args[1 + count + j],
                                               prod,
                                               reassocFlags(nb.getContext())));
        }
        linalg::YieldOp::create(nb, l, sums);
      });
  matmul->setAttr("hybrid.kernel", b.getStringAttr("linear"));
  // The micro-kernel applies the scale once to each dot product.
  if (scale != 1.0)
    matmul->setAttr("hybrid.output_scale", b.getF64FloatAttr(scale));
  return llvm::to_vector_of<Value>(matmul.getResults());
}

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
    double scale = op.getOutputScale().convertToDouble();
    if (Value bias = op.getBias()) {
      // (x·W + b)·s accumulates x·W·s onto b·s.
      Value like = emptyTensor(rewriter, loc, sizes, computeType);
      init = mapElements(rewriter, loc, like, computeType, ValueRange{bias},
                         {trailingMap(ctx, rank, 1)},
                         [&](OpBuilder &b, Location l, ValueRange args) {
                           Value v = castFloat(b, l, args[0], computeType);
                           if (scale != 1.0)
                             v = arith::MulFOp::create(
                                 b, l, v, floatConst(b, l, computeType, scale));
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
    int64_t rank = rankOf(x);
    Value h = mapElements(
        rewriter, loc, gu[0], f, ValueRange{gu[0], gu[1]},
        {identityMap(rewriter.getContext(), rank),
         identityMap(rewriter.getContext(), rank)},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::MulFOp::create(b, l,
                                       applyActivation(b, l, kind, args[0]),
                                       args[1]);
        });
    rewriter.replaceOpWithNewOp<LinearOp>(op, op.getType(), h, op.getDown(),
                                          Value());
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

struct LowerActivation : OpRewritePattern<ActivationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getInput();
    ActivationKind kind = op.getKind();
    Value result = mapElements(
        rewriter, op.getLoc(), x, elementTypeOf(x), ValueRange{x},
        {identityMap(rewriter.getContext(), rankOf(x))},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return applyActivation(b, l, kind, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerScale : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getInput();
    double factor = op.getFactor().convertToDouble();
    Value result = mapElements(
        rewriter, op.getLoc(), x, elementTypeOf(x), ValueRange{x},
        {identityMap(rewriter.getContext(), rankOf(x))},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::MulFOp::create(
              b, l, args[0], floatConst(b, l, args[0].getType(), factor));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerArgmax : OpRewritePattern<ArgmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ArgmaxOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getInput();
    int64_t rank = rankOf(x);
    Type valueType = elementTypeOf(x);
    Type indexType = elementTypeOf(op.getResult());
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    sizes.pop_back();
    Value best = filledTensor(rewriter, loc, sizes, valueType,
                              -std::numeric_limits<double>::infinity());
    Value bestIndex = filledTensor(rewriter, loc, sizes, indexType, 0);
    SmallVector<AffineMap> maps = {identityMap(ctx, rank),
                                   leadingMap(ctx, rank, rank - 1),
                                   leadingMap(ctx, rank, rank - 1)};
    SmallVector<utils::IteratorType> iters(rank,
                                           utils::IteratorType::parallel);
    iters.back() = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{best.getType(), bestIndex.getType()},
        ValueRange{x}, ValueRange{best, bestIndex}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          // Strictly greater keeps the first maximum (torch.argmax).
          Value better = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                               args[0], args[1]);
          Value i = arith::IndexCastOp::create(
              b, l, indexType, linalg::IndexOp::create(b, l, rank - 1));
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, better, args[0], args[1]),
                         arith::SelectOp::create(b, l, better, i, args[2])});
        });
    rewriter.replaceOp(op, generic.getResult(1));
    return success();
  }
};

/// A stacked weight that survives to lowering (one not consumed by a `moe`
/// whose expert loop indexes the names directly) is materialized by
/// concatenation.
struct LowerStackedWeight : OpRewritePattern<StackedWeightOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(StackedWeightOp op,
                                PatternRewriter &rewriter) const override {
    if (llvm::any_of(op->getUsers(), [](Operation *u) { return isa<MoEOp>(u); }))
      return rewriter.notifyMatchFailure(op, "lowered with its moe");
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                           type.getElementType());
    SmallVector<int64_t> oneShape(type.getShape());
    oneShape[0] = 1;
    auto oneType = RankedTensorType::get(oneShape, type.getElementType());
    SmallVector<ReassociationIndices> reassoc;
    reassoc.push_back({0, 1});
    for (int64_t i = 2; i < type.getRank(); ++i)
      reassoc.push_back({i});
    SmallVector<Value> slices;
    for (StringRef name : op.getNames().getAsValueRange<StringAttr>()) {
      Value w = WeightOp::create(rewriter, loc, sliceType, name);
      slices.push_back(
          tensor::ExpandShapeOp::create(rewriter, loc, oneType, w, reassoc));
    }
    rewriter.replaceOpWithNewOp<tensor::ConcatOp>(op, type, 0, slices);
    return success();
  }
};

/// Expert `e`'s slice `[rows, cols]` of a stacked `[E, rows, cols]` weight:
/// the named weight itself when the stack is a `stacked_weight`.
Value expertSlice(PatternRewriter &rewriter, Location loc, Value stacked,
                  int64_t e) {
  auto type = cast<RankedTensorType>(stacked.getType());
  auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                         type.getElementType());
  if (auto sw = stacked.getDefiningOp<StackedWeightOp>())
    return WeightOp::create(
        rewriter, loc, sliceType,
        cast<StringAttr>(sw.getNames()[e]).getValue());
  SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
  offsets[0] = rewriter.getIndexAttr(e);
  SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, stacked);
  sizes[0] = rewriter.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(type.getRank(), rewriter.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(rewriter, loc, sliceType, stacked,
                                        offsets, sizes, strides);
}

/// Dense mixture of experts: every expert runs on every token and is
/// weighted by its routing weight, zero for experts outside the top k. This
/// is exact (the same sum as routing), and simple to lower; a sparse
/// (gathered) lowering is the fast path still to come.
struct LowerMoE : OpRewritePattern<MoEOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MoEOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getInput();
    Type f = elementTypeOf(x);
    int64_t rank = rankOf(x);
    auto routerType = cast<RankedTensorType>(op.getRouter().getType());
    int64_t experts = routerType.getDimSize(0);
    int64_t topK = op.getTopK();
    if (ShapedType::isDynamic(experts))
      return rewriter.notifyMatchFailure(op, "dynamic expert count");

    // Router logits [..., E].
    SmallVector<int64_t> logitShape(
        cast<RankedTensorType>(x.getType()).getShape());
    logitShape.back() = experts;
    auto logitType = RankedTensorType::get(logitShape, f);
    Value logits = LinearOp::create(rewriter, loc, logitType, x,
                                    op.getRouter(), Value());

    // Scores: softmax over experts, or sigmoid.
    Value scores;
    if (op.getScoring() == RouterScoring::softmax) {
      Value maxv = reduceMaxLastDim(rewriter, loc, logits);
      Value exps = mapElements(
          rewriter, loc, logits, f, ValueRange{logits, maxv},
          {identityMap(ctx, rank), leadingMap(ctx, rank, rank - 1)},
          [&](OpBuilder &b, Location l, ValueRange args) {
            return math::ExpOp::create(
                b, l, arith::SubFOp::create(b, l, args[0], args[1]));
          });
      Value sums = reduceLastDim(rewriter, loc, exps, f,
                                 [](OpBuilder &, Location, Value v) { return v; });
      scores = mapElements(
          rewriter, loc, logits, f, ValueRange{exps, sums},
          {identityMap(ctx, rank), leadingMap(ctx, rank, rank - 1)},
          [&](OpBuilder &b, Location l, ValueRange args) {
            return arith::DivFOp::create(b, l, args[0], args[1]);
          });
    } else {
      scores = mapElements(rewriter, loc, logits, f, ValueRange{logits},
                           {identityMap(ctx, rank)},
                           [&](OpBuilder &b, Location l, ValueRange args) {
                             return applyActivation(b, l,
                                                    ActivationKind::sigmoid,
                                                    args[0]);
                           });
    }

    // Choice keys: scores plus the selection bias.
    Value keys = scores;
    if (Value bias = op.getSelectionBias())
      keys = mapElements(
          rewriter, loc, scores, f, ValueRange{scores, bias},
          {identityMap(ctx, rank), trailingMap(ctx, rank, 1)},
          [&](OpBuilder &b, Location l, ValueRange args) {
            return arith::AddFOp::create(b, l, args[0],
                                         castFloat(b, l, args[1], f));
          });

    // Selected weights: score if expert e is among the top k keys (ties to
    // the lower index, as torch.topk on distinct values), else 0.
    Value selected = mapElements(
        rewriter, loc, scores, f, ValueRange{scores},
        {identityMap(ctx, rank)},
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> idx;
          for (int64_t i = 0; i < rank; ++i)
            idx.push_back(linalg::IndexOp::create(b, l, i));
          Value mine = extract(b, l, keys, idx);
          Value e = idx.back();
          Value count = indexConst(b, l, 0);
          for (int64_t other = 0; other < experts; ++other) {
            SmallVector<Value> oidx(idx);
            oidx.back() = indexConst(b, l, other);
            Value theirs = extract(b, l, keys, oidx);
            Value greater = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OGT, theirs, mine);
            Value equal = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OEQ, theirs, mine);
            Value before = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::ult, oidx.back(), e);
            Value beats = arith::OrIOp::create(
                b, l, greater, arith::AndIOp::create(b, l, equal, before));
            count = arith::SelectOp::create(
                b, l, beats,
                arith::AddIOp::create(b, l, count, indexConst(b, l, 1)),
                count);
          }
          Value chosen = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult,
                                               count, indexConst(b, l, topK));
          return arith::SelectOp::create(b, l, chosen, args[0],
                                         floatConst(b, l, f, 0.0));
        });

    double routedScale = op.getRoutedScale().convertToDouble();
    Value gates = selected;
    if (op.getNormalizeTopK()) {
      Value total = reduceLastDim(rewriter, loc, selected, f,
                                  [](OpBuilder &, Location, Value v) { return v; });
      gates = mapElements(
          rewriter, loc, selected, f, ValueRange{selected, total},
          {identityMap(ctx, rank), leadingMap(ctx, rank, rank - 1)},
          [&](OpBuilder &b, Location l, ValueRange args) {
            return arith::DivFOp::create(b, l, args[0], args[1]);
          });
    }
    if (routedScale != 1.0)
      gates = ScaleOp::create(rewriter, loc, gates,
                              rewriter.getF64FloatAttr(routedScale));

    // Σ_e gate_e · expert_e(x).
    auto upType = cast<RankedTensorType>(op.getUp().getType());
    SmallVector<int64_t> hiddenShape(
        cast<RankedTensorType>(x.getType()).getShape());
    hiddenShape.back() = upType.getDimSize(1);
    auto hiddenType = RankedTensorType::get(hiddenShape, f);
    Value acc = filledTensor(rewriter, loc, sizesOf(rewriter, loc, x), f, 0.0);
    ActivationKind act = op.getActivation();
    for (int64_t e = 0; e < experts; ++e) {
      Value up = LinearOp::create(rewriter, loc, hiddenType, x,
                                  expertSlice(rewriter, loc, op.getUp(), e),
                                  Value());
      Value h;
      if (Value gate = op.getGate()) {
        Value g = LinearOp::create(rewriter, loc, hiddenType, x,
                                   expertSlice(rewriter, loc, gate, e), Value());
        h = arith::MulFOp::create(
            rewriter, loc, ActivationOp::create(rewriter, loc, act, g), up);
      } else {
        h = ActivationOp::create(rewriter, loc, act, up);
      }
      Value y = LinearOp::create(rewriter, loc, x.getType(), h,
                                 expertSlice(rewriter, loc, op.getDown(), e),
                                 Value());
      Value eIndex = indexConst(rewriter, loc, e);
      acc = mapElements(
          rewriter, loc, x, f, ValueRange{acc, y},
          {identityMap(ctx, rank), identityMap(ctx, rank)},
          [&](OpBuilder &b, Location l, ValueRange args) {
            SmallVector<Value> gidx;
            for (int64_t i = 0; i < rank - 1; ++i)
              gidx.push_back(linalg::IndexOp::create(b, l, i));
            gidx.push_back(eIndex);
            Value g = extract(b, l, gates, gidx);
            return arith::AddFOp::create(
                b, l, args[0], arith::MulFOp::create(b, l, g, args[1]));
          });
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

} // namespace

void mlir::hybrid::populateHybridToLinalgProjectionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerEmbedding, LowerLinear, LowerGatedMLP, LowerSplit,
               LowerActivation,
               LowerScale, LowerArgmax, LowerStackedWeight, LowerMoE>(
      patterns.getContext());
}
