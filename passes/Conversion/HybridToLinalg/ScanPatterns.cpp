//===- ScanPatterns.cpp - causal_conv1d, selective_scan, ssd_scan ---------===//
//
// The CPU lowering of the scans is the sequential recurrence, parallel over
// the independent (batch, channel) or (batch, head, head_dim) lanes with
// scf.forall; each lane keeps its state row in registers/L1 across time.
// The chunked (matrix) SSD form is a GPU lowering's choice.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

/// x̂[b, c, i] for the window x̂ = state[b, c, :] ++ x[b, :, c]: the state for
/// i < K-1, else the input at i-(K-1). Both reads are clamped in range.
Value windowElement(OpBuilder &b, Location loc, Value state, Value x, Value bi,
                    Value ci, Value i, int64_t width) {
  Value km1 = indexConst(b, loc, width - 1);
  Value fromState =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i, km1);
  Value sIdx = arith::MinUIOp::create(b, loc, i, indexConst(b, loc, width - 2));
  Value xIdx = arith::SelectOp::create(
      b, loc, fromState, indexConst(b, loc, 0),
      arith::SubIOp::create(b, loc, i, km1));
  Type elt = elementTypeOf(x);
  Value sv = castFloat(b, loc, extract(b, loc, state, {bi, ci, sIdx}), elt);
  Value xv = extract(b, loc, x, {bi, xIdx, ci});
  return arith::SelectOp::create(b, loc, fromState, sv, xv);
}

struct LowerCausalConv1d : OpRewritePattern<CausalConv1dOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CausalConv1dOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput(), w = op.getWeight(), bias = op.getBias();
    int64_t width = cast<RankedTensorType>(w.getType()).getDimSize(1);
    if (ShapedType::isDynamic(width))
      return rewriter.notifyMatchFailure(op, "dynamic kernel width");
    Type f = elementTypeOf(x);
    ActivationKind act = op.getActivation();

    // A private copy of the old state: the output and the new state both
    // read it while the new state is written in place over the original.
    Value state = op.getState();
    Value oldState = linalg::CopyOp::create(
                         rewriter, loc, state,
                         emptyTensor(rewriter, loc, sizesOf(rewriter, loc, state),
                                     elementTypeOf(state)))
                         .getResult(0);

    // new_state[b, c, k] = x̂[b, c, T + k], computed apart and copied into
    // the state operand: a copy's destination is never replaced by a fresh
    // tensor, so the update stays in the caller's buffer. It is emitted
    // before the output so that a fused activation lowers to the same code
    // as a separate one, which elementwise fusion merges into the output
    // loop after the update: the loops of the two forms then match in
    // order too, and the fused op's artifact is the unfused one's.
    Value seq = tensor::DimOp::create(rewriter, loc, x, 1);
    Type stateElt = elementTypeOf(state);
    Value window = mapElements(
        rewriter, loc, state, stateElt, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value bi = linalg::IndexOp::create(b, l, 0);
          Value ci = linalg::IndexOp::create(b, l, 1);
          Value ki = linalg::IndexOp::create(b, l, 2);
          Value i = arith::AddIOp::create(b, l, seq, ki);
          Value v = windowElement(b, l, oldState, x, bi, ci, i, width);
          return castFloat(b, l, v, stateElt);
        });
    auto update = linalg::CopyOp::create(rewriter, loc, window, state);

    Value y = mapElements(
        rewriter, loc, x, f, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value bi = linalg::IndexOp::create(b, l, 0);
          Value ti = linalg::IndexOp::create(b, l, 1);
          Value ci = linalg::IndexOp::create(b, l, 2);
          Value acc = bias ? castFloat(b, l, extract(b, l, bias, {ci}), f)
                           : floatConst(b, l, f, 0.0);
          for (int64_t k = 0; k < width; ++k) {
            Value i = arith::AddIOp::create(b, l, ti, indexConst(b, l, k));
            Value xv = windowElement(b, l, oldState, x, bi, ci, i, width);
            Value wv = castFloat(
                b, l, extract(b, l, w, {ci, indexConst(b, l, k)}), f);
            acc = arith::AddFOp::create(b, l, acc,
                                        arith::MulFOp::create(b, l, wv, xv));
          }
          return applyActivation(b, l, act, acc);
        });
    rewriter.replaceOp(op, {y, update.getResult(0)});
    return success();
  }
};

/// Common frame of the two scans: an scf.forall over `lanes` with shared
/// outputs (y, state); `laneBody` builds the per-lane computation and
/// returns the lane's new state row and output column, which are inserted
/// back at `stateOffsets` / `yOffsets` (sizes given, unit strides).
struct LaneResult {
  Value stateRow, yColumn;
  SmallVector<OpFoldResult> stateOffsets, stateSizes, yOffsets, ySizes;
};

scf::ForallOp buildLanes(
    PatternRewriter &rewriter, Location loc, ArrayRef<OpFoldResult> lanes,
    Value yInit, Value stateInit,
    llvm::function_ref<LaneResult(OpBuilder &, ValueRange ivs, Value yOut,
                                  Value stateOut)>
        laneBody) {
  auto forall = scf::ForallOp::create(rewriter, loc, lanes,
                                      ValueRange{yInit, stateInit},
                                      std::nullopt);
  OpBuilder::InsertionGuard guard(rewriter);
  Block *body = forall.getBody();
  rewriter.setInsertionPointToStart(body);
  size_t n = lanes.size();
  LaneResult r = laneBody(rewriter, body->getArguments().take_front(n),
                          body->getArgument(n), body->getArgument(n + 1));
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  auto ones = [&](size_t rank) {
    return SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(1));
  };
  tensor::ParallelInsertSliceOp::create(rewriter, loc, r.yColumn,
                                        body->getArgument(n), r.yOffsets,
                                        r.ySizes, ones(r.yOffsets.size()));
  tensor::ParallelInsertSliceOp::create(
      rewriter, loc, r.stateRow, body->getArgument(n + 1), r.stateOffsets,
      r.stateSizes, ones(r.stateOffsets.size()));
  return forall;
}

/// A rank-reduced 1-D slice of `t` along dimension `dim` at `offsets`.
Value lane1d(OpBuilder &b, Location loc, Value t, ArrayRef<OpFoldResult> offsets,
             ArrayRef<OpFoldResult> sizes, int64_t length) {
  auto type = cast<RankedTensorType>(t.getType());
  auto sliceType = RankedTensorType::get({length}, type.getElementType());
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, sliceType, t, offsets, sizes,
                                        strides);
}

/// dt transform shared by both scans: + bias, softplus, clamp.
Value transformDelta(OpBuilder &b, Location loc, Value dt, Value bias,
                     bool softplusOn, double lo, std::optional<double> hi) {
  Type f = dt.getType();
  if (bias)
    dt = arith::AddFOp::create(b, loc, dt, castFloat(b, loc, bias, f));
  if (softplusOn)
    dt = softplus(b, loc, dt);
  if (lo > 0.0)
    dt = arith::MaximumFOp::create(b, loc, dt, floatConst(b, loc, f, lo));
  if (hi)
    dt = arith::MinimumFOp::create(b, loc, dt, floatConst(b, loc, f, *hi));
  return dt;
}

struct LowerSelectiveScan : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value u = op.getInput(), delta = op.getDelta(), a = op.getA();
    Value bm = op.getB(), cm = op.getC(), skip = op.getSkip(),
          gate = op.getGate(), deltaBias = op.getDeltaBias();
    int64_t stateDim = cast<RankedTensorType>(a.getType()).getDimSize(1);
    if (ShapedType::isDynamic(stateDim))
      return rewriter.notifyMatchFailure(op, "dynamic state dim");
    Type f = elementTypeOf(u);
    bool softplusOn = op.getDeltaSoftplus();
    SmallVector<OpFoldResult> lanes = {
        tensor::getMixedSize(rewriter, loc, u, 0),
        tensor::getMixedSize(rewriter, loc, u, 2)};
    OpFoldResult seqSize = tensor::getMixedSize(rewriter, loc, u, 1);
    Value seq = tensor::DimOp::create(rewriter, loc, u, 1);
    Type stateElt = elementTypeOf(op.getState());

    auto forall = buildLanes(
        rewriter, loc, lanes, op.getInit(), op.getState(),
        [&](OpBuilder &b, ValueRange ivs, Value yOut, Value stateOut) {
          Value bi = ivs[0], di = ivs[1];
          Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
          LaneResult r;
          r.stateOffsets = {bi, di, b.getIndexAttr(0)};
          r.stateSizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                          b.getIndexAttr(stateDim)};
          r.yOffsets = {bi, b.getIndexAttr(0), di};
          r.ySizes = {b.getIndexAttr(1), seqSize, b.getIndexAttr(1)};
          Value h0 = lane1d(b, loc, stateOut, r.stateOffsets, r.stateSizes,
                            stateDim);
          Value y0 = lane1d(b, loc, yOut, r.yOffsets, r.ySizes,
                            getConstantIntValue(seqSize).value_or(
                                ShapedType::kDynamic));
          Value dBias = deltaBias ? extract(b, loc, deltaBias, {di}) : Value();
          Value dSkip = skip ? castFloat(b, loc, extract(b, loc, skip, {di}), f)
                             : Value();
          auto overTime = scf::ForOp::create(
              b, loc, c0, seq, c1, ValueRange{h0, y0},
              [&](OpBuilder &tb, Location l, Value t, ValueRange it) {
                Value dt = transformDelta(
                    tb, l, extract(tb, l, delta, {bi, t, di}), dBias,
                    softplusOn, 0.0, std::nullopt);
                Value uv = extract(tb, l, u, {bi, t, di});
                Value dtu = arith::MulFOp::create(tb, l, dt, uv);
                auto overState = scf::ForOp::create(
                    tb, l, c0, indexConst(tb, l, stateDim), c1,
                    ValueRange{it[0], floatConst(tb, l, f, 0.0)},
                    [&](OpBuilder &nb, Location nl, Value n, ValueRange s) {
                      Value av = castFloat(nb, nl, extract(nb, nl, a, {di, n}), f);
                      Value decay = math::ExpOp::create(
                          nb, nl, arith::MulFOp::create(nb, nl, dt, av));
                      Value hOld = castFloat(nb, nl, extract(nb, nl, s[0], {n}), f);
                      Value bv = extract(nb, nl, bm, {bi, t, n});
                      Value hNew = arith::AddFOp::create(
                          nb, nl, arith::MulFOp::create(nb, nl, decay, hOld),
                          arith::MulFOp::create(nb, nl, dtu, bv));
                      Value cv = extract(nb, nl, cm, {bi, t, n});
                      Value yAcc = arith::AddFOp::create(
                          nb, nl, s[1], arith::MulFOp::create(nb, nl, cv, hNew),
                          reassocFlags(nb.getContext()));
                      Value stored = tensor::InsertOp::create(
                          nb, nl, castFloat(nb, nl, hNew, stateElt), s[0], {n});
                      scf::YieldOp::create(nb, nl, ValueRange{stored, yAcc});
                    });
                Value yv = overState.getResult(1);
                if (dSkip)
                  yv = arith::AddFOp::create(
                      tb, l, yv, arith::MulFOp::create(tb, l, dSkip, uv));
                if (gate)
                  yv = arith::MulFOp::create(
                      tb, l, yv, silu(tb, l, extract(tb, l, gate, {bi, t, di})));
                Value yCol = tensor::InsertOp::create(tb, l, yv, it[1], {t});
                scf::YieldOp::create(
                    tb, l, ValueRange{overState.getResult(0), yCol});
              });
          r.stateRow = overTime.getResult(0);
          r.yColumn = overTime.getResult(1);
          return r;
        });
    rewriter.replaceOp(op, forall.getResults());
    return success();
  }
};

struct LowerSSDScan : OpRewritePattern<SSDScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SSDScanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput(), dtIn = op.getDt(), a = op.getA();
    Value bm = op.getB(), cm = op.getC(), skip = op.getSkip(),
          gate = op.getGate(), dtBias = op.getDtBias();
    auto xType = cast<RankedTensorType>(x.getType());
    auto bType = cast<RankedTensorType>(bm.getType());
    int64_t heads = xType.getDimSize(2), headDim = xType.getDimSize(3);
    int64_t groups = bType.getDimSize(2), stateDim = bType.getDimSize(3);
    if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(headDim) ||
        ShapedType::isDynamic(groups) || ShapedType::isDynamic(stateDim))
      return rewriter.notifyMatchFailure(op, "dynamic head/state sizes");
    int64_t headsPerGroup = heads / groups;
    Type f = xType.getElementType();
    bool softplusOn = op.getDtSoftplus();
    double dtMin = op.getDtMin().convertToDouble();
    std::optional<double> dtMax;
    if (auto m = op.getDtMax())
      dtMax = m->convertToDouble();
    SmallVector<OpFoldResult> lanes = {
        tensor::getMixedSize(rewriter, loc, x, 0), rewriter.getIndexAttr(heads),
        rewriter.getIndexAttr(headDim)};
    OpFoldResult seqSize = tensor::getMixedSize(rewriter, loc, x, 1);
    Value seq = tensor::DimOp::create(rewriter, loc, x, 1);
    Type stateElt = elementTypeOf(op.getState());

    // Δ and exp(Δ·A) depend on (batch, time, head) only: computed once over
    // [B, T, H] here rather than in each of the head's P lanes, which would
    // repeat the softplus and the exp P times.
    MLIRContext *ctx = rewriter.getContext();
    Value dtPrepared = mapElements(
        rewriter, loc, dtIn, f,
        dtBias ? ValueRange{dtIn, dtBias} : ValueRange{dtIn},
        dtBias ? SmallVector<AffineMap>{identityMap(ctx, 3),
                                        trailingMap(ctx, 3, 1)}
               : SmallVector<AffineMap>{identityMap(ctx, 3)},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return transformDelta(b, l, castFloat(b, l, args[0], f),
                                dtBias ? args[1] : Value(), softplusOn, dtMin,
                                dtMax);
        });
    Value decays = mapElements(
        rewriter, loc, dtPrepared, f, ValueRange{dtPrepared, a},
        {identityMap(ctx, 3), trailingMap(ctx, 3, 1)},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return math::ExpOp::create(
              b, l,
              arith::MulFOp::create(b, l, args[0], castFloat(b, l, args[1], f)));
        });

    auto forall = buildLanes(
        rewriter, loc, lanes, op.getInit(), op.getState(),
        [&](OpBuilder &b, ValueRange ivs, Value yOut, Value stateOut) {
          Value bi = ivs[0], hi = ivs[1], pi = ivs[2];
          Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
          Value gi = arith::DivUIOp::create(b, loc, hi,
                                            indexConst(b, loc, headsPerGroup));
          LaneResult r;
          r.stateOffsets = {bi, hi, pi, b.getIndexAttr(0)};
          r.stateSizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                          b.getIndexAttr(1), b.getIndexAttr(stateDim)};
          r.yOffsets = {bi, b.getIndexAttr(0), hi, pi};
          r.ySizes = {b.getIndexAttr(1), seqSize, b.getIndexAttr(1),
                      b.getIndexAttr(1)};
          Value s0 = lane1d(b, loc, stateOut, r.stateOffsets, r.stateSizes,
                            stateDim);
          Value y0 = lane1d(b, loc, yOut, r.yOffsets, r.ySizes,
                            getConstantIntValue(seqSize).value_or(
                                ShapedType::kDynamic));
          Value dSkip = skip ? castFloat(b, loc, extract(b, loc, skip, {hi}), f)
                             : Value();
          auto overTime = scf::ForOp::create(
              b, loc, c0, seq, c1, ValueRange{s0, y0},
              [&](OpBuilder &tb, Location l, Value t, ValueRange it) {
                Value dt = extract(tb, l, dtPrepared, {bi, t, hi});
                Value decay = extract(tb, l, decays, {bi, t, hi});
                Value xv = extract(tb, l, x, {bi, t, hi, pi});
                Value dtx = arith::MulFOp::create(tb, l, dt, xv);
                auto overState = scf::ForOp::create(
                    tb, l, c0, indexConst(tb, l, stateDim), c1,
                    ValueRange{it[0], floatConst(tb, l, f, 0.0)},
                    [&](OpBuilder &nb, Location nl, Value n, ValueRange s) {
                      Value sOld = castFloat(nb, nl, extract(nb, nl, s[0], {n}), f);
                      Value bv = extract(nb, nl, bm, {bi, t, gi, n});
                      Value sNew = arith::AddFOp::create(
                          nb, nl, arith::MulFOp::create(nb, nl, decay, sOld),
                          arith::MulFOp::create(nb, nl, dtx, bv));
                      Value cv = extract(nb, nl, cm, {bi, t, gi, n});
                      Value yAcc = arith::AddFOp::create(
                          nb, nl, s[1], arith::MulFOp::create(nb, nl, cv, sNew),
                          reassocFlags(nb.getContext()));
                      Value stored = tensor::InsertOp::create(
                          nb, nl, castFloat(nb, nl, sNew, stateElt), s[0], {n});
                      scf::YieldOp::create(nb, nl, ValueRange{stored, yAcc});
                    });
                Value yv = overState.getResult(1);
                if (dSkip)
                  yv = arith::AddFOp::create(
                      tb, l, yv, arith::MulFOp::create(tb, l, dSkip, xv));
                if (gate)
                  yv = arith::MulFOp::create(
                      tb, l, yv,
                      silu(tb, l, extract(tb, l, gate, {bi, t, hi, pi})));
                Value yCol = tensor::InsertOp::create(tb, l, yv, it[1], {t});
                scf::YieldOp::create(
                    tb, l, ValueRange{overState.getResult(0), yCol});
              });
          r.stateRow = overTime.getResult(0);
          r.yColumn = overTime.getResult(1);
          return r;
        });
    rewriter.replaceOp(op, forall.getResults());
    return success();
  }
};

} // namespace

void mlir::hybrid::populateHybridToLinalgScanPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerCausalConv1d, LowerSelectiveScan, LowerSSDScan>(
      patterns.getContext());
}
