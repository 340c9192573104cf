//===- SamplingPatterns.cpp - argmax, linear_argmax -----------------------===//
//
// Lowers greedy sampling: `argmax` over the last dimension as one reduction,
// and the fused greedy head `linear_argmax` in blocks of vocabulary rows, so
// that the V-wide logits never exist.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

/// (max, index of the first max) over the last dimension of `values`. The
/// index of element i is `indices[..., i]` when `indices` is given (partial
/// results being combined), else `offset + i`. Strictly greater keeps the
/// first maximum, as torch.argmax does.
std::pair<Value, Value> argmaxLastDim(OpBuilder &b, Location loc, Value values,
                                      Value indices, Value offset,
                                      Type indexType) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = rankOf(values);
  Type valueType = elementTypeOf(values);
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, values);
  sizes.pop_back();
  Value best = filledTensor(b, loc, sizes, valueType,
                            -std::numeric_limits<double>::infinity());
  Value bestIndex = filledTensor(b, loc, sizes, indexType, 0);
  SmallVector<Value> inputs = {values};
  SmallVector<AffineMap> maps = {identityMap(ctx, rank)};
  if (indices) {
    inputs.push_back(indices);
    maps.push_back(identityMap(ctx, rank));
  }
  maps.append(2, leadingMap(ctx, rank, rank - 1));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters.back() = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{best.getType(), bestIndex.getType()}, inputs,
      ValueRange{best, bestIndex}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value v = args[0], bv = args[args.size() - 2],
              bi = args[args.size() - 1];
        Value better =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, v, bv);
        Value i;
        if (indices) {
          i = args[1];
        } else {
          Value at = linalg::IndexOp::create(nb, l, rank - 1);
          if (offset)
            at = arith::AddIOp::create(nb, l, at, offset);
          i = arith::IndexCastOp::create(nb, l, indexType, at);
        }
        linalg::YieldOp::create(
            nb, l,
            ValueRange{arith::SelectOp::create(nb, l, better, v, bv),
                       arith::SelectOp::create(nb, l, better, i, bi)});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

/// The argmax over the last dimension of |values| in lanes of (token,
/// block of |rows|): an scf.forall over every leading index and block, each
/// lane reducing its 1-D slice (the last block ragged) to a rank-0
/// candidate, then an argmax over the candidates in block order (which
/// keeps the first maximum overall). Every lane's accumulators are scalars,
/// so the lanes need no allocation of the token count's size.
Value argmaxInTokenBlocks(OpBuilder &b, Location loc, Value values,
                          int64_t rows, Type indexType) {
  auto type = cast<RankedTensorType>(values.getType());
  int64_t rank = type.getRank(), vocab = type.getShape().back();
  Type f = type.getElementType();
  int64_t blocks = (vocab + rows - 1) / rows;
  SmallVector<OpFoldResult> lanes = sizesOf(b, loc, values);
  lanes.back() = b.getIndexAttr(blocks);
  auto forall = scf::ForallOp::create(
      b, loc, lanes,
      ValueRange{emptyTensor(b, loc, lanes, f),
                 emptyTensor(b, loc, lanes, indexType)},
      std::nullopt);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *body = forall.getBody();
    b.setInsertionPointToStart(body);
    SmallVector<OpFoldResult> at(body->getArguments().take_front(rank));
    Value block = body->getArgument(rank - 1);
    Value first = arith::MulIOp::create(b, loc, block, indexConst(b, loc, rows));
    Value count = arith::MinUIOp::create(
        b, loc, indexConst(b, loc, rows),
        arith::SubIOp::create(b, loc, indexConst(b, loc, vocab), first));
    SmallVector<OpFoldResult> offsets(at), sizes(rank, b.getIndexAttr(1)),
        strides(rank, b.getIndexAttr(1));
    offsets.back() = first;
    sizes.back() = count;
    Value slice = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({ShapedType::kDynamic}, f), values,
        offsets, sizes, strides);
    auto [best, index] =
        argmaxLastDim(b, loc, slice, Value(), first, indexType);
    SmallVector<OpFoldResult> ones(rank, b.getIndexAttr(1));
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, best, body->getArgument(rank),
                                          at, ones, ones);
    tensor::ParallelInsertSliceOp::create(
        b, loc, index, body->getArgument(rank + 1), at, ones, ones);
  }
  return argmaxLastDim(b, loc, forall.getResult(0), forall.getResult(1),
                       Value(), indexType)
      .second;
}

/// An argmax over the last dimension; over blocks of `blockRows` of it
/// where the target asks for them and the dimension is longer (a GPU's:
/// lanes of their own instead of one lane over 50k logits).
struct LowerArgmax : OpRewritePattern<ArgmaxOp> {
  LowerArgmax(MLIRContext *ctx, int64_t blockRows)
      : OpRewritePattern(ctx), blockRows(blockRows) {}
  int64_t blockRows;

  LogicalResult matchAndRewrite(ArgmaxOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value values = op.getInput();
    Type indexType = elementTypeOf(op.getResult());
    auto type = cast<RankedTensorType>(values.getType());
    int64_t vocab = type.getShape().back();
    if (blockRows > 0 && !ShapedType::isDynamic(vocab) && vocab > blockRows) {
      rewriter.replaceOp(op, argmaxInTokenBlocks(rewriter, loc, values,
                                                 blockRows, indexType));
      return success();
    }
    auto [best, index] =
        argmaxLastDim(rewriter, loc, values, Value(), Value(), indexType);
    (void)best;
    rewriter.replaceOp(op, index);
    return success();
  }
};

/// The greedy head in blocks of vocabulary rows: an scf.forall over blocks,
/// each computing its logits with the ordinary (micro-kernel) projection
/// into a block-sized temporary and reducing them to one (value, index) per
/// token; then an argmax over the blocks' candidates in block order (which
/// keeps the first maximum overall). The V-wide logits never exist. The
/// block size is the target's (`blockRows`).
///
/// A head in one block whose target asks for argmax blocks (a GPU's: one
/// lane over 50k logits is a latency chain) computes its logits in one
/// projection and reduces them in lanes of (token, `argmaxBlockRows`
/// logits) instead (argmaxInTokenBlocks).
struct LowerLinearArgmax : OpRewritePattern<LinearArgmaxOp> {
  // Preferred over hybrid-decompose-fused-ops' pattern, like LowerGatedMLP.
  LowerLinearArgmax(MLIRContext *ctx, HeadBlockRowsFn blockRows,
                    int64_t argmaxBlockRows)
      : OpRewritePattern(ctx, /*benefit=*/2), blockRows(std::move(blockRows)),
        argmaxBlockRows(argmaxBlockRows) {}
  HeadBlockRowsFn blockRows;
  int64_t argmaxBlockRows;

  LogicalResult matchAndRewrite(LinearArgmaxOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput(), w = op.getWeight();
    Type f = elementTypeOf(x);
    Type indexType = elementTypeOf(op.getResult());
    auto wType = cast<RankedTensorType>(w.getType());
    if (wType.isDynamicDim(0) || wType.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "needs a static head weight");
    int64_t vocab = wType.getDimSize(0), in = wType.getDimSize(1);
    int64_t rows = blockRows ? blockRows(op) : 0;
    if (rows <= 0 || rows > vocab)
      rows = vocab;
    FeatureScales scale{op.getOutputScale().convertToDouble(), {}, {}};
    if (rows == vocab && argmaxBlockRows > 0 && argmaxBlockRows < vocab) {
      SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
      sizes.back() = rewriter.getIndexAttr(vocab);
      Value logits = buildProjections(
          rewriter, loc, x, {w}, {filledTensor(rewriter, loc, sizes, f, 0.0)},
          scale)[0];
      rewriter.replaceOp(op, argmaxInTokenBlocks(rewriter, loc, logits,
                                                 argmaxBlockRows, indexType));
      return success();
    }
    int64_t full = vocab / rows, tail = vocab % rows;
    int64_t blocks = full + (tail ? 1 : 0);

    // Candidates per token and block: [..., blocks].
    SmallVector<OpFoldResult> candSizes = sizesOf(rewriter, loc, x);
    candSizes.back() = rewriter.getIndexAttr(blocks);
    Value candValues = emptyTensor(rewriter, loc, candSizes, f);
    Value candIndices = emptyTensor(rewriter, loc, candSizes, indexType);
    int64_t rank = rankOf(x);

    // One block: rows [first, first + count) of the vocabulary.
    auto reduceBlock = [&](OpBuilder &b, Value first, int64_t count) {
      auto sliceType = RankedTensorType::get({count, in},
                                             wType.getElementType());
      Value slice = tensor::ExtractSliceOp::create(
          b, loc, sliceType, w, ArrayRef<OpFoldResult>{first, b.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(count), b.getIndexAttr(in)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
      SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
      sizes.back() = b.getIndexAttr(count);
      Value zeros = filledTensor(b, loc, sizes, f, 0.0);
      Value logits = buildProjections(b, loc, x, {slice}, {zeros}, scale)[0];
      return argmaxLastDim(b, loc, logits, Value(), first, indexType);
    };
    // Where block `at` goes in the candidates: [..., at] of every token.
    auto candidateSlot = [&](OpBuilder &b, OpFoldResult at) {
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
          strides(rank, b.getIndexAttr(1));
      offsets.back() = at;
      sizes = sizesOf(b, loc, x);
      sizes.back() = b.getIndexAttr(1);
      return std::make_tuple(offsets, sizes, strides);
    };

    auto forall = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(full)},
        ValueRange{candValues, candIndices}, std::nullopt);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      Block *body = forall.getBody();
      rewriter.setInsertionPointToStart(body);
      Value block = body->getArgument(0);
      Value first = arith::MulIOp::create(rewriter, loc, block,
                                          indexConst(rewriter, loc, rows));
      auto [best, index] = reduceBlock(rewriter, first, rows);
      // Sizes first: the terminator holds only the inserts.
      auto [offsets, sizes, strides] = candidateSlot(rewriter, block);
      rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(rewriter, loc, best,
                                            body->getArgument(1), offsets,
                                            sizes, strides);
      tensor::ParallelInsertSliceOp::create(rewriter, loc, index,
                                            body->getArgument(2), offsets,
                                            sizes, strides);
    }
    candValues = forall.getResult(0);
    candIndices = forall.getResult(1);
    if (tail) {
      auto [best, index] =
          reduceBlock(rewriter, indexConst(rewriter, loc, full * rows), tail);
      auto [offsets, sizes, strides] =
          candidateSlot(rewriter, rewriter.getIndexAttr(full));
      candValues = tensor::InsertSliceOp::create(rewriter, loc, best,
                                                 candValues, offsets, sizes,
                                                 strides);
      candIndices = tensor::InsertSliceOp::create(rewriter, loc, index,
                                                  candIndices, offsets, sizes,
                                                  strides);
    }
    auto [best, index] = argmaxLastDim(rewriter, loc, candValues, candIndices,
                                       Value(), indexType);
    (void)best;
    rewriter.replaceOp(op, index);
    return success();
  }
};

} // namespace

void mlir::hybrid::populateHybridToLinalgSamplingPatterns(
    RewritePatternSet &patterns, HeadBlockRowsFn headBlockRows,
    int64_t argmaxBlockRows) {
  patterns.add<LowerArgmax>(patterns.getContext(), argmaxBlockRows);
  patterns.add<LowerLinearArgmax>(patterns.getContext(),
                                  std::move(headBlockRows), argmaxBlockRows);
}
