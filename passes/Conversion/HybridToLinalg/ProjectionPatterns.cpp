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
#include "mlir/Dialect/SCF/IR/SCF.h"
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

/// y_j[..., n] = init_j[..., n] + Σ_k x[..., k] · w_j[n, k] for every weight
/// w_j (all [N, K]) in ONE generic: the reduction dim innermost and
/// contiguous in both operands, x read once for all weights, tagged for the
/// target's micro-kernel and kept apart from elementwise fusion.
SmallVector<Value> buildProjections(OpBuilder &b, Location loc, Value x,
                                    ArrayRef<Value> weights,
                                    ArrayRef<Value> inits,
                                    const FeatureScales &scale = {}) {
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

struct LowerArgmax : OpRewritePattern<ArgmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ArgmaxOp op,
                                PatternRewriter &rewriter) const override {
    auto [best, index] =
        argmaxLastDim(rewriter, op.getLoc(), op.getInput(), Value(), Value(),
                      elementTypeOf(op.getResult()));
    (void)best;
    rewriter.replaceOp(op, index);
    return success();
  }
};

/// Rows of the vocabulary per block of the greedy head: the block's logits
/// ([tokens, rows] floats) stay in L1/L2 between the GEMV that writes them
/// and the argmax that reads them, and there are enough blocks to share out
/// among threads. A divisor of V in [256, 1024] avoids a ragged last block;
/// otherwise 512 rows and one short tail block.
int64_t headBlockRows(int64_t vocab) {
  if (vocab <= 1024)
    return vocab;
  for (int64_t rows = 1024; rows >= 256; --rows)
    if (vocab % rows == 0)
      return rows;
  return 512;
}

/// The greedy head in blocks of vocabulary rows: an scf.forall over blocks,
/// each computing its logits with the ordinary (micro-kernel) projection
/// into a block-sized temporary and reducing them to one (value, index) per
/// token; then an argmax over the blocks' candidates in block order (which
/// keeps the first maximum overall). The V-wide logits never exist.
struct LowerLinearArgmax : OpRewritePattern<LinearArgmaxOp> {
  // Preferred over hybrid-decompose-fused-ops' pattern, like LowerGatedMLP.
  LowerLinearArgmax(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
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
    int64_t rows = headBlockRows(vocab);
    int64_t full = vocab / rows, tail = vocab % rows;
    int64_t blocks = full + (tail ? 1 : 0);
    FeatureScales scale{op.getOutputScale().convertToDouble(), {}, {}};

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
               LowerScale, LowerArgmax, LowerLinearArgmax, LowerStackedWeight, LowerMoE>(
      patterns.getContext());
}
