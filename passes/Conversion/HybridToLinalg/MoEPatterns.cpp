//===- MoEPatterns.cpp - moe, stacked_weight ------------------------------===//
//
// Lowers a mixture of experts densely (every expert on every token, weighted
// by its gate) to hybrid projections and pointwise ops, which the other
// patterns of the conversion lower in turn; and a stacked expert weight that
// no `moe` consumes to a concatenation of its named weights.
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

/// x / Σ x over the last dimension (softmax's and top-k's normalization),
/// over the iteration space of `like` (of x's shape).
Value divideByLastDimSum(OpBuilder &b, Location loc, Value x, Value like) {
  MLIRContext *ctx = b.getContext();
  Type f = elementTypeOf(x);
  int64_t rank = rankOf(x);
  Value sums = reduceLastDim(b, loc, x, f,
                             [](OpBuilder &, Location, Value v) { return v; });
  return mapElements(
      b, loc, like, f, ValueRange{x, sums},
      {identityMap(ctx, rank), leadingMap(ctx, rank, rank - 1)},
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::DivFOp::create(nb, l, args[0], args[1]);
      });
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
      scores = divideByLastDimSum(rewriter, loc, exps, logits);
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
      gates = divideByLastDimSum(rewriter, loc, selected, selected);
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

void mlir::hybrid::populateHybridToLinalgMoEPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerStackedWeight, LowerMoE>(patterns.getContext());
}
