//===- AttentionPatterns.cpp - rope and attention -------------------------===//
//
// `hybrid.attention` lowers in two steps on tensors:
//   1. the new keys/values are inserted into the caches at each sequence's
//      position (tensor.insert_slice into the cache operands, which
//      bufferize in place into the caller's buffers);
//   2. an scf.forall over (batch, token, head) computes each output row with
//      the online softmax over the visible cache rows only, so a decode step
//      reads `position + 1` rows (or the window), never `max_seq`.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

/// The rotary embedding's parameters.
struct Rotary {
  double theta;
  int64_t dims;
  bool interleaved;
};

/// Element (bi, ti, hi, di) of the rotary embedding of `x` ([B, T, H, Dh],
/// element type `elt`) for a token at position `pos` (i64: its sequence's
/// position plus ti): x[d] cos + (-)x[partner] sin, in f64 for the angle.
Value rotatedElement(OpBuilder &b, Location l, Value x, Value xv, Value bi,
                     Value ti, Value hi, Value di, Value pos,
                     const Rotary &rope, Type elt) {
  Type f64 = b.getF64Type();
  int64_t half = rope.dims / 2;
  Value rot = indexConst(b, l, rope.dims);
  Value inRotary =
      arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, di, rot);
  // Pair index i, partner feature and the sign of the partner term.
  Value pair, partner, first;
  Value zero = indexConst(b, l, 0), one = indexConst(b, l, 1);
  if (rope.interleaved) {
    pair = arith::DivUIOp::create(b, l, di, indexConst(b, l, 2));
    partner = arith::XOrIOp::create(b, l, di, one);
    first = arith::CmpIOp::create(
        b, l, arith::CmpIPredicate::eq,
        arith::RemUIOp::create(b, l, di, indexConst(b, l, 2)), zero);
  } else {
    Value h = indexConst(b, l, half);
    first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, di, h);
    pair = arith::SelectOp::create(b, l, first, di,
                                   arith::SubIOp::create(b, l, di, h));
    partner = arith::SelectOp::create(b, l, first,
                                      arith::AddIOp::create(b, l, di, h),
                                      arith::SubIOp::create(b, l, di, h));
  }
  // Outside the rotary part the partner index is clamped (unused).
  partner = arith::SelectOp::create(b, l, inRotary, partner, di);
  Value other = extract(b, l, x, {bi, ti, hi, partner});
  // angle = pos * theta^(-2i / rotary), in f64.
  Value posF = arith::SIToFPOp::create(b, l, f64, pos);
  Value iF = arith::SIToFPOp::create(
      b, l, f64, arith::IndexCastOp::create(b, l, b.getI64Type(), pair));
  Value expo = arith::MulFOp::create(
      b, l, iF, floatConst(b, l, f64, -2.0 / static_cast<double>(rope.dims)));
  Value invFreq =
      math::PowFOp::create(b, l, floatConst(b, l, f64, rope.theta), expo);
  Value angle = arith::MulFOp::create(b, l, posF, invFreq);
  Value cosv = castFloat(b, l, math::CosOp::create(b, l, angle), elt);
  Value sinv = castFloat(b, l, math::SinOp::create(b, l, angle), elt);
  Value signedOther = arith::SelectOp::create(
      b, l, first, arith::NegFOp::create(b, l, other), other);
  Value rotated = arith::AddFOp::create(
      b, l, arith::MulFOp::create(b, l, xv, cosv),
      arith::MulFOp::create(b, l, signedOther, sinv));
  return arith::SelectOp::create(b, l, inRotary, rotated, xv);
}

/// The rotary embedding of `x` ([B, T, H, Dh]) at `position` ([B]).
Value applyRoPE(OpBuilder &rewriter, Location loc, Value x, Value position,
                const Rotary &rope) {
  MLIRContext *ctx = rewriter.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  Type elt = type.getElementType();
  return mapElements(
      rewriter, loc, x, elt, ValueRange{x, position},
      {identityMap(ctx, 4), leadingMap(ctx, 4, 1)},
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value bi = linalg::IndexOp::create(b, l, 0);
        Value ti = linalg::IndexOp::create(b, l, 1);
        Value hi = linalg::IndexOp::create(b, l, 2);
        Value di = linalg::IndexOp::create(b, l, 3);
        Value pos = arith::AddIOp::create(
            b, l, args[1], arith::IndexCastOp::create(b, l, b.getI64Type(), ti));
        return rotatedElement(b, l, x, args[0], bi, ti, hi, di, pos, rope, elt);
      });
}

struct LowerRoPE : OpRewritePattern<RoPEOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RoPEOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, applyRoPE(rewriter, op.getLoc(), op.getInput(), op.getPosition(),
                      Rotary{op.getTheta().convertToDouble(),
                             int64_t(op.getRotaryDim()), op.getInterleaved()}));
    return success();
  }
};


/// Converts every element of `t` to `elt` (a no-op when it already is).
Value castTensor(OpBuilder &b, Location loc, Value t, Type elt) {
  auto type = cast<RankedTensorType>(t.getType());
  if (type.getElementType() == elt)
    return t;
  return mapElements(b, loc, t, elt, ValueRange{t},
                     {identityMap(b.getContext(), type.getRank())},
                     [&](OpBuilder &nb, Location l, ValueRange args) {
                       return castFloat(nb, l, args[0], elt);
                     });
}

/// Inserts `rows` ([B, T, H, Dh]) into `cache` ([B, S, H, Dh]) at row
/// position[b] of each sequence b.
Value insertRows(OpBuilder &b, Location loc, Value rows, Value cache,
                 Value position) {
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  Value batch = tensor::DimOp::create(b, loc, rows, 0);
  auto rowsType = cast<RankedTensorType>(rows.getType());
  auto cacheType = cast<RankedTensorType>(cache.getType());
  rows = castTensor(b, loc, rows, cacheType.getElementType());
  auto loop = scf::ForOp::create(
      b, loc, c0, batch, c1, ValueRange{cache},
      [&](OpBuilder &nb, Location l, Value bi, ValueRange iters) {
        Value p = toIndex(nb, l, extract(nb, l, position, {bi}));
        SmallVector<OpFoldResult> sizes = sizesOf(nb, l, rows);
        sizes[0] = nb.getIndexAttr(1);
        SmallVector<OpFoldResult> strides(4, nb.getIndexAttr(1));
        SmallVector<OpFoldResult> srcOffsets = {bi, nb.getIndexAttr(0),
                                                nb.getIndexAttr(0),
                                                nb.getIndexAttr(0)};
        SmallVector<int64_t> sliceShape(rowsType.getShape());
        sliceShape[0] = 1;
        auto sliceType = RankedTensorType::get(sliceShape,
                                               cacheType.getElementType());
        Value slice = tensor::ExtractSliceOp::create(
            nb, l, sliceType, rows, srcOffsets, sizes, strides);
        SmallVector<OpFoldResult> dstOffsets = {bi, p, nb.getIndexAttr(0),
                                                nb.getIndexAttr(0)};
        Value updated = tensor::InsertSliceOp::create(
            nb, l, slice, iters[0], dstOffsets, sizes, strides);
        scf::YieldOp::create(nb, l, updated);
      });
  return loop.getResult(0);
}

/// The caches ([B, S, KVH, Dh]) with the step's keys and values ([B, T,
/// KVH, Dh]) written at rows position[b] + t of each sequence b, the keys
/// rotated by `rope` on the way: one lane an element of both, so that the
/// rotation, the cast to the cache's type and both writes are one loop (on
/// a GPU one kernel, not a rotation, then a copy of each into its cache).
std::pair<Value, Value> insertKeysAndValues(OpBuilder &b, Location loc,
                                            Value key, Value value,
                                            Value keyCache, Value valueCache,
                                            Value position,
                                            std::optional<Rotary> rope) {
  auto keyType = cast<RankedTensorType>(key.getType());
  auto valueType = cast<RankedTensorType>(value.getType());
  // Keys and values of one shape share the lanes; otherwise (a value head
  // dimension of its own) each has its own.
  SmallVector<std::pair<Value, Value>> groups;
  if (keyType.getShape() == valueType.getShape())
    groups.push_back({key, value});
  else
    groups = {{key, Value()}, {value, Value()}};
  Value caches[2] = {keyCache, valueCache};
  unsigned next = 0;
  for (auto [first, second] : groups) {
    SmallVector<Value> outs = {caches[next]};
    if (second)
      outs.push_back(caches[next + 1]);
    SmallVector<OpFoldResult> lanes = sizesOf(b, loc, first);
    auto forall = scf::ForallOp::create(b, loc, lanes, outs, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    Block *body = forall.getBody();
    b.setInsertionPointToStart(body);
    Value bi = body->getArgument(0), ti = body->getArgument(1),
          hi = body->getArgument(2), di = body->getArgument(3);
    Value pos = arith::AddIOp::create(
        b, loc, extract(b, loc, position, {bi}),
        arith::IndexCastOp::create(b, loc, b.getI64Type(), ti));
    Value row = toIndex(b, loc, pos);
    SmallVector<Value> elements;
    for (Value rows : {first, second}) {
      if (!rows)
        continue;
      Type elt = cast<RankedTensorType>(rows.getType()).getElementType();
      Value v = extract(b, loc, rows, {bi, ti, hi, di});
      if (rope && rows == key)
        v = rotatedElement(b, loc, rows, v, bi, ti, hi, di, pos, *rope, elt);
      Value cache = outs[elements.size()];
      Type cacheElt = cast<RankedTensorType>(cache.getType()).getElementType();
      elements.push_back(tensor::FromElementsOp::create(
          b, loc, RankedTensorType::get({1, 1, 1, 1}, cacheElt),
          ValueRange{castFloat(b, loc, v, cacheElt)}));
    }
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    SmallVector<OpFoldResult> at = {bi, row, hi, di};
    SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
    for (auto [i, element] : llvm::enumerate(elements))
      tensor::ParallelInsertSliceOp::create(
          b, loc, element, body->getArgument(4 + i), at, ones, ones);
    for (unsigned i = 0; i < outs.size(); ++i)
      caches[next + i] = forall.getResult(i);
    next += outs.size();
  }
  return {caches[0], caches[1]};
}

/// out[bi, ti, hi, :] = acc / sum, as lane (bi, ti, hi) of |forall| writes
/// its row of the output |out| (the forall's shared output).
void writeOutputRow(OpBuilder &b, Location loc, scf::ForallOp forall,
                    Value out, Value acc, Value sum, Value bi, Value ti,
                    Value hi, int64_t headDim) {
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  Value dh = indexConst(b, loc, headDim);
  auto fin = scf::ForOp::create(
      b, loc, c0, dh, c1, ValueRange{acc},
      [&](OpBuilder &db, Location dl, Value d, ValueRange a) {
        Value v =
            arith::DivFOp::create(db, dl, extract(db, dl, a[0], {d}), sum);
        scf::YieldOp::create(
            db, dl, ValueRange{tensor::InsertOp::create(db, dl, v, a[0], {d})});
      });
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  SmallVector<OpFoldResult> offsets = {bi, ti, hi, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                     b.getIndexAttr(1),
                                     b.getIndexAttr(headDim)};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  tensor::ParallelInsertSliceOp::create(b, loc, fin.getResult(0), out, offsets,
                                        sizes, strides);
}

/// The online softmax of one lane over rows [from, to): (bi, ti, hi, kvh,
/// from, to, (max, sum, acc)) -> (max, sum, acc).
using AttendFn = llvm::function_ref<ResultRange(
    OpBuilder &, Value, Value, Value, Value, Value, Value, ValueRange)>;

/// Steps of at most this many tokens (decode; speculative steps) split their
/// attention over the cache rows when the target asks for it.
constexpr int64_t kMaxSplitTokens = 4;

struct LowerAttention : OpRewritePattern<AttentionOp> {
  LowerAttention(MLIRContext *ctx, int64_t maxKVChunks, bool cacheWriteLanes)
      : OpRewritePattern(ctx), maxKVChunks(maxKVChunks),
        cacheWriteLanes(cacheWriteLanes) {}

  /// A step's attention split over the rows it sees: lane (b, t, h, s) runs
  /// the online softmax over rows [s * chunk, (s + 1) * chunk) of the `end`
  /// visible ones, chunk = ceil(end / chunks), a second loop over (b, t, h)
  /// combines the chunks' (max, sum, acc). A decode step then has heads x
  /// chunks lanes of end / chunks rows each, at every position, instead of
  /// heads lanes of every row (or, with chunks of the cache's fixed size,
  /// a few busy lanes early in a long cache).
  Value lowerSplitOverKeys(PatternRewriter &rewriter, AttentionOp op, Value q,
                           Value init, int64_t chunks, int64_t group, Type f,
                           AttendFn attend) const {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto qType = cast<RankedTensorType>(q.getType());
    int64_t heads = qType.getDimSize(2), headDim = qType.getDimSize(3);
    SmallVector<OpFoldResult> lanes = {tensor::getMixedSize(b, loc, q, 0),
                                       tensor::getMixedSize(b, loc, q, 1),
                                       b.getIndexAttr(heads),
                                       b.getIndexAttr(chunks)};
    SmallVector<OpFoldResult> accSizes(lanes);
    accSizes.push_back(b.getIndexAttr(headDim));
    Value position = op.getPosition();
    // The rows token (bi, ti) sees, end = position + ti + 1, and the chunk
    // size that splits them: the split lanes and the combine agree on both.
    auto visibleRows = [&](OpBuilder &b, Value bi, Value ti) {
      Value end = arith::AddIOp::create(
          b, loc,
          arith::AddIOp::create(
              b, loc, toIndex(b, loc, extract(b, loc, position, {bi})), ti),
          indexConst(b, loc, 1));
      Value chunk =
          arith::CeilDivUIOp::create(b, loc, end, indexConst(b, loc, chunks));
      return std::make_pair(end, chunk);
    };
    double minusInf = -std::numeric_limits<double>::infinity();
    auto split = scf::ForallOp::create(
        b, loc, lanes,
        ValueRange{emptyTensor(b, loc, lanes, f), emptyTensor(b, loc, lanes, f),
                   emptyTensor(b, loc, accSizes, f)},
        std::nullopt);
    {
      OpBuilder::InsertionGuard guard(b);
      Block *body = split.getBody();
      b.setInsertionPointToStart(body);
      Value bi = body->getArgument(0), ti = body->getArgument(1),
            hi = body->getArgument(2), si = body->getArgument(3);
      auto [end, chunk] = visibleRows(b, bi, ti);
      Value kvh = arith::DivUIOp::create(b, loc, hi, indexConst(b, loc, group));
      // Past the last visible row (end < chunks): from = to = end, no rows.
      Value from = arith::MinUIOp::create(
          b, loc, arith::MulIOp::create(b, loc, si, chunk), end);
      Value to = arith::MinUIOp::create(
          b, loc, arith::AddIOp::create(b, loc, from, chunk), end);
      SmallVector<Value> init = {
          floatConst(b, loc, f, minusInf), floatConst(b, loc, f, 0.0),
          filledTensor(b, loc, {b.getIndexAttr(headDim)}, f, 0.0)};
      ResultRange r = attend(b, bi, ti, hi, kvh, from, to, init);
      Value m = tensor::FromElementsOp::create(b, loc, ValueRange{r[0]});
      Value l = tensor::FromElementsOp::create(b, loc, ValueRange{r[1]});
      b.setInsertionPointToStart(split.getTerminator().getBody());
      SmallVector<OpFoldResult> at = {bi, ti, hi, si};
      SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
      tensor::ParallelInsertSliceOp::create(b, loc, m, body->getArgument(4), at,
                                            ones, ones);
      tensor::ParallelInsertSliceOp::create(b, loc, l, body->getArgument(5), at,
                                            ones, ones);
      SmallVector<OpFoldResult> accAt(at), accOnes(ones), accSize(ones);
      accAt.push_back(b.getIndexAttr(0));
      accOnes.push_back(b.getIndexAttr(1));
      accSize.push_back(b.getIndexAttr(headDim));
      tensor::ParallelInsertSliceOp::create(b, loc, r[2], body->getArgument(6),
                                            accAt, accSize, accOnes);
    }
    Value maxes = split.getResult(0), sums = split.getResult(1),
          accs = split.getResult(2);

    // The combine: one lane an output element (b, t, h, d), its loops over
    // the chunks with scalar accumulators, so that a head's combine is
    // head_dim lanes rather than one lane's chain over every chunk.
    SmallVector<OpFoldResult> rows(lanes.begin(), lanes.begin() + 3);
    rows.push_back(b.getIndexAttr(headDim));
    auto combine =
        scf::ForallOp::create(b, loc, rows, ValueRange{init}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    Block *body = combine.getBody();
    b.setInsertionPointToStart(body);
    Value bi = body->getArgument(0), ti = body->getArgument(1),
          hi = body->getArgument(2), di = body->getArgument(3);
    Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
    // The chunks past the lane's last visible row (end < chunks) are empty
    // (max -inf, sum 0): the combine reads only the ceil(end / chunk)
    // before them.
    auto [end, chunk] = visibleRows(b, bi, ti);
    Value cs = arith::MinUIOp::create(
        b, loc, indexConst(b, loc, chunks),
        arith::CeilDivUIOp::create(b, loc, end, chunk));
    Value mMax =
        scf::ForOp::create(
            b, loc, c0, cs, c1, ValueRange{floatConst(b, loc, f, minusInf)},
            [&](OpBuilder &nb, Location l, Value sc, ValueRange it) {
              Value m = extract(nb, l, maxes, {bi, ti, hi, sc});
              scf::YieldOp::create(
                  nb, l, ValueRange{arith::MaximumFOp::create(nb, l, it[0], m)});
            })
            .getResult(0);
    auto folded = scf::ForOp::create(
        b, loc, c0, cs, c1,
        ValueRange{floatConst(b, loc, f, 0.0), floatConst(b, loc, f, 0.0)},
        [&](OpBuilder &nb, Location l, Value sc, ValueRange it) {
          Value w = math::ExpOp::create(
              nb, l,
              arith::SubFOp::create(nb, l, extract(nb, l, maxes, {bi, ti, hi, sc}),
                                    mMax));
          Value lNew = arith::AddFOp::create(
              nb, l, it[0],
              arith::MulFOp::create(nb, l, extract(nb, l, sums, {bi, ti, hi, sc}),
                                    w));
          Value aNew = arith::AddFOp::create(
              nb, l, it[1],
              arith::MulFOp::create(
                  nb, l, extract(nb, l, accs, {bi, ti, hi, sc, di}), w));
          scf::YieldOp::create(nb, l, ValueRange{lNew, aNew});
        });
    Value v = arith::DivFOp::create(b, loc, folded.getResult(1),
                                    folded.getResult(0));
    Value element = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({1, 1, 1, 1}, f), ValueRange{v});
    b.setInsertionPointToStart(combine.getTerminator().getBody());
    SmallVector<OpFoldResult> one(4, b.getIndexAttr(1));
    tensor::ParallelInsertSliceOp::create(
        b, loc, element, body->getArgument(4),
        ArrayRef<OpFoldResult>{bi, ti, hi, di}, one, one);
    return combine.getResult(0);
  }

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value q = op.getQuery();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(op.getKey().getType());
    int64_t heads = qType.getDimSize(2), kvHeads = kType.getDimSize(2);
    int64_t headDim = qType.getDimSize(3);
    if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(kvHeads) ||
        ShapedType::isDynamic(headDim))
      return rewriter.notifyMatchFailure(op, "dynamic head counts");
    int64_t group = heads / kvHeads;
    Type f = qType.getElementType();
    double scale = op.getScale().convertToDouble();
    int64_t window = op.getWindow(), sink = op.getSink();
    Value position = op.getPosition();
    std::optional<Rotary> rope;
    if (int64_t rotary = op.getRotaryDim()) {
      rope = Rotary{op.getRopeTheta()->convertToDouble(), int64_t(rotary),
                    op.getRopeInterleaved()};
      q = applyRoPE(rewriter, loc, q, position, *rope);
    }
    Value keyCache, valueCache;
    if (cacheWriteLanes) {
      std::tie(keyCache, valueCache) =
          insertKeysAndValues(rewriter, loc, op.getKey(), op.getValue(),
                              op.getKeyCache(), op.getValueCache(), position,
                              rope);
    } else {
      Value key = op.getKey();
      if (rope)
        key = applyRoPE(rewriter, loc, key, position, *rope);
      keyCache = insertRows(rewriter, loc, key, op.getKeyCache(), position);
      valueCache = insertRows(rewriter, loc, op.getValue(),
                              op.getValueCache(), position);
    }

    // Every element of the output is written below, so a tensor.empty init
    // is replaced by one made here, after the RoPE loops: its buffer is then
    // allocated at the same point whether RoPE was folded into this op or
    // ran as ops before it, and the two forms lower to the same code.
    Value init = op.getInit();
    if (init.getDefiningOp<tensor::EmptyOp>())
      init = emptyTensor(rewriter, loc, sizesOf(rewriter, loc, init), f);

    // One online-softmax step per visible row j in [from, to) of lane
    // (bi, ti, hi): carries (max, sum, acc[headDim]).
    auto attend = [&](OpBuilder &b, Value bi, Value ti, Value hi, Value kvh,
                      Value from, Value to, ValueRange init) {
      Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
      Value dh = indexConst(b, loc, headDim);
      return scf::ForOp::create(
                 b, loc, from, to, c1, init,
                 [&](OpBuilder &nb, Location l, Value j, ValueRange it) {
                   auto dot = scf::ForOp::create(
                       nb, l, c0, dh, c1,
                       ValueRange{floatConst(nb, l, f, 0.0)},
                       [&](OpBuilder &db, Location dl, Value d, ValueRange s) {
                         Value qv = extract(db, dl, q, {bi, ti, hi, d});
                         Value kv = castFloat(
                             db, dl, extract(db, dl, keyCache, {bi, j, kvh, d}),
                             f);
                         Value prod = arith::MulFOp::create(
                             db, dl, qv, kv, reassocFlags(db.getContext()));
                         scf::YieldOp::create(
                             db, dl,
                             ValueRange{arith::AddFOp::create(
                                 db, dl, s[0], prod,
                                 reassocFlags(db.getContext()))});
                       });
                   Value score = arith::MulFOp::create(
                       nb, l, dot.getResult(0), floatConst(nb, l, f, scale));
                   Value mNew = arith::MaximumFOp::create(nb, l, it[0], score);
                   Value corr = math::ExpOp::create(
                       nb, l, arith::SubFOp::create(nb, l, it[0], mNew));
                   Value pj = math::ExpOp::create(
                       nb, l, arith::SubFOp::create(nb, l, score, mNew));
                   Value lNew = arith::AddFOp::create(
                       nb, l, arith::MulFOp::create(nb, l, it[1], corr), pj);
                   auto upd = scf::ForOp::create(
                       nb, l, c0, dh, c1, ValueRange{it[2]},
                       [&](OpBuilder &db, Location dl, Value d, ValueRange a) {
                         Value old = extract(db, dl, a[0], {d});
                         Value vv = castFloat(
                             db, dl,
                             extract(db, dl, valueCache, {bi, j, kvh, d}), f);
                         Value nv = arith::AddFOp::create(
                             db, dl, arith::MulFOp::create(db, dl, old, corr),
                             arith::MulFOp::create(db, dl, pj, vv));
                         scf::YieldOp::create(
                             db, dl,
                             ValueRange{tensor::InsertOp::create(db, dl, nv,
                                                                 a[0], {d})});
                       });
                   scf::YieldOp::create(
                       nb, l, ValueRange{mNew, lNew, upd.getResult(0)});
                 })
          .getResults();
    };

    int64_t maxSeq = cast<RankedTensorType>(op.getKeyCache().getType())
                         .getDimSize(1);
    int64_t tokens = qType.getDimSize(1);
    if (maxKVChunks > 1 && window == 0 && !ShapedType::isDynamic(maxSeq) &&
        !ShapedType::isDynamic(tokens) && tokens <= kMaxSplitTokens) {
      int64_t chunks = std::min(maxKVChunks, maxSeq);
      if (chunks > 1) {
        Value result = lowerSplitOverKeys(rewriter, op, q, init, chunks,
                                          group, f, attend);
        rewriter.replaceOp(op, {result, keyCache, valueCache});
        return success();
      }
    }

    SmallVector<OpFoldResult> ubs = {
        tensor::getMixedSize(rewriter, loc, q, 0),
        tensor::getMixedSize(rewriter, loc, q, 1), rewriter.getIndexAttr(heads)};
    auto forall = scf::ForallOp::create(rewriter, loc, ubs,
                                        ValueRange{init}, std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    Block *body = forall.getBody();
    rewriter.setInsertionPointToStart(body);
    Value bi = body->getArgument(0), ti = body->getArgument(1),
          hi = body->getArgument(2);
    Value out = body->getArgument(3);
    OpBuilder &b = rewriter;
    Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
    Value p = arith::AddIOp::create(
        b, loc, toIndex(b, loc, extract(b, loc, position, {bi})), ti);
    Value kvh = arith::DivUIOp::create(b, loc, hi, indexConst(b, loc, group));
    Value end = arith::AddIOp::create(b, loc, p, c1);

    Value acc0 = filledTensor(b, loc, {b.getIndexAttr(headDim)}, f, 0.0);
    Value m0 = floatConst(b, loc, f, -std::numeric_limits<double>::infinity());
    Value l0 = floatConst(b, loc, f, 0.0);
    auto attendLane = [&](Value from, Value to, ValueRange init) {
      return attend(b, bi, ti, hi, kvh, from, to, init);
    };

    SmallVector<Value> carried = {m0, l0, acc0};
    if (window > 0) {
      // Rows [lo, p] plus the sink rows [0, min(sink, lo)).
      Value w1 = indexConst(b, loc, window);
      Value lo = arith::SelectOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, end, w1),
          arith::SubIOp::create(b, loc, end, w1), c0);
      if (sink > 0) {
        Value sinkEnd = arith::MinUIOp::create(b, loc, indexConst(b, loc, sink), lo);
        carried = llvm::to_vector_of<Value>(attendLane(c0, sinkEnd, carried));
      }
      carried = llvm::to_vector_of<Value>(attendLane(lo, end, carried));
    } else {
      carried = llvm::to_vector_of<Value>(attendLane(c0, end, carried));
    }

    // out[b, t, h, :] = acc / l.
    writeOutputRow(b, loc, forall, out, carried[2], carried[1], bi, ti, hi,
                   headDim);
    rewriter.replaceOp(op, {forall.getResult(0), keyCache, valueCache});
    return success();
  }

  /// The most chunks a step's attention is split into; 0 or 1: not split.
  int64_t maxKVChunks;
  /// New keys and values into the caches one lane an element of both.
  bool cacheWriteLanes;
};

} // namespace

void mlir::hybrid::populateHybridToLinalgAttentionPatterns(
    RewritePatternSet &patterns, int64_t maxKVChunks, bool cacheWriteLanes) {
  patterns.add<LowerRoPE>(patterns.getContext());
  patterns.add<LowerAttention>(patterns.getContext(), maxKVChunks,
                               cacheWriteLanes);
}
