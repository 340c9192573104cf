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

/// Steps of at most this many tokens (decode; speculative steps) run their
/// causal conv in lanes when the target asks for it.
constexpr int64_t kMaxConvLaneTokens = 4;

/// A causal_conv1d of a few static tokens as one scf.forall lane per
/// (batch, channel): the lane reads its state row and its tokens, computes
/// its outputs in the order LowerCausalConv1d sums them (bias, then k = 0
/// up), and writes its new state row over the old in place, which the
/// forall's shared output makes legal without a copy of the old state.
struct LowerCausalConv1dInLanes : OpRewritePattern<CausalConv1dOp> {
  LowerCausalConv1dInLanes(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(CausalConv1dOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput(), w = op.getWeight(), bias = op.getBias(),
          state = op.getState();
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t width = cast<RankedTensorType>(w.getType()).getDimSize(1);
    int64_t tokens = xType.getDimSize(1), channels = xType.getDimSize(2);
    if (ShapedType::isDynamic(width) || ShapedType::isDynamic(tokens) ||
        ShapedType::isDynamic(channels) || tokens > kMaxConvLaneTokens ||
        width < 2)
      return rewriter.notifyMatchFailure(op, "not a step of a few tokens");
    Type f = elementTypeOf(x), stateElt = elementTypeOf(state);
    ActivationKind act = op.getActivation();
    SmallVector<OpFoldResult> lanes = {tensor::getMixedSize(rewriter, loc, x, 0),
                                       rewriter.getIndexAttr(channels)};
    Value yInit = emptyTensor(rewriter, loc, sizesOf(rewriter, loc, x), f);
    auto forall = scf::ForallOp::create(rewriter, loc, lanes,
                                        ValueRange{yInit, state}, std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    Block *body = forall.getBody();
    rewriter.setInsertionPointToStart(body);
    OpBuilder &b = rewriter;
    Value bi = body->getArgument(0), ci = body->getArgument(1);
    Value yOut = body->getArgument(2), sOut = body->getArgument(3);
    // The window x̂ = old state row ++ the lane's tokens.
    SmallVector<Value> window;
    for (int64_t k = 0; k + 1 < width; ++k)
      window.push_back(castFloat(
          b, loc, extract(b, loc, sOut, {bi, ci, indexConst(b, loc, k)}), f));
    for (int64_t t = 0; t < tokens; ++t)
      window.push_back(extract(b, loc, x, {bi, indexConst(b, loc, t), ci}));
    SmallVector<Value> ys, row;
    for (int64_t t = 0; t < tokens; ++t) {
      Value acc = bias ? castFloat(b, loc, extract(b, loc, bias, {ci}), f)
                       : floatConst(b, loc, f, 0.0);
      for (int64_t k = 0; k < width; ++k) {
        Value wv = castFloat(
            b, loc, extract(b, loc, w, {ci, indexConst(b, loc, k)}), f);
        acc = arith::AddFOp::create(
            b, loc, acc, arith::MulFOp::create(b, loc, wv, window[t + k]));
      }
      ys.push_back(applyActivation(b, loc, act, acc));
    }
    for (int64_t k = 0; k + 1 < width; ++k)
      row.push_back(castFloat(b, loc, window[tokens + k], stateElt));
    Value yCol = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({1, tokens, 1}, f), ys);
    Value sRow = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({1, 1, width - 1}, stateElt), row);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    tensor::ParallelInsertSliceOp::create(
        b, loc, yCol, yOut, ArrayRef<OpFoldResult>{bi, zero, ci},
        ArrayRef<OpFoldResult>{one, b.getIndexAttr(tokens), one},
        ArrayRef<OpFoldResult>{one, one, one});
    tensor::ParallelInsertSliceOp::create(
        b, loc, sRow, sOut, ArrayRef<OpFoldResult>{bi, ci, zero},
        ArrayRef<OpFoldResult>{one, one, b.getIndexAttr(width - 1)},
        ArrayRef<OpFoldResult>{one, one, one});
    rewriter.replaceOp(op, forall.getResults());
    return success();
  }
};

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

/// Where one lane of a scan reads and writes its slices (unit strides): its
/// state row (the state's last dimension, `stateDim` elements) and its
/// output column (y along time).
struct LaneLayout {
  SmallVector<OpFoldResult> stateOffsets, stateSizes, yOffsets, ySizes;
};

/// What a scan family's time step gives the shared update of LaneScan.
struct ScanStep {
  /// exp(Δ·A) when it is the same for every state element, else null (then
  /// LaneScan::decayAt gives it per element).
  Value decay;
  /// Δ·x, the weight of B in the update.
  Value drive;
  /// x at this step, which the skip D weights, and its indices (the gate's
  /// too).
  Value input;
  SmallVector<Value> inputAt;
  /// The indices of B and C at this step, less the last (the state element).
  SmallVector<Value> bcAt;
};

/// A diagonal selective scan, the recurrence that Mamba-1's selective_scan
/// and Mamba-2's ssd_scan share: independent lanes (an scf.forall, with y
/// and the state as shared outputs), each a sequential loop over time that
/// carries the lane's state row and output column and, at each step t,
///   h[n] = decay[n] · h[n] + drive · B[t, n],   y[t] = Σ_n C[t, n] · h[n],
///   y[t] = (y[t] + D · x[t]) · silu(gate[t])    (D and gate optional),
/// the state row read at the start of the lane and written at its end. A
/// family gives the lanes, its tensors, and the hooks; buildLaneScan builds
/// the rest. The hooks run in the order listed, each where its ops belong
/// in the lane.
struct LaneScan {
  ArrayRef<OpFoldResult> lanes;
  /// The op's output init and state operands.
  Value yInit, stateInit;
  /// B and C (indexed [bcAt..., n]) and the optional gate ([inputAt...]).
  Value b, c, gate;
  int64_t stateDim;
  /// The time extent of y (static when known) and the number of steps.
  OpFoldResult seqSize;
  Value seq;
  /// The type the recurrence computes in.
  Type computeType;
  /// First in a lane (`ivs` are its forall indices): where it reads and
  /// writes.
  llvm::function_ref<LaneLayout(OpBuilder &, ValueRange ivs)> layout;
  /// After the lane's slices, before its time loop: the lane's own values;
  /// returns its skip weight D, or null.
  llvm::function_ref<Value(OpBuilder &)> beginLane;
  /// At the start of step t.
  llvm::function_ref<ScanStep(OpBuilder &, Location, Value t)> step;
  /// decay[n], first in the update of element n, when the step's is null.
  llvm::function_ref<Value(OpBuilder &, Location, Value n)> decayAt;
};

scf::ForallOp buildLaneScan(PatternRewriter &rewriter, Location loc,
                            const LaneScan &scan) {
  Type f = scan.computeType, stateElt = elementTypeOf(scan.stateInit);
  int64_t stateDim = scan.stateDim;
  auto forall = scf::ForallOp::create(rewriter, loc, scan.lanes,
                                      ValueRange{scan.yInit, scan.stateInit},
                                      std::nullopt);
  OpBuilder::InsertionGuard guard(rewriter);
  Block *body = forall.getBody();
  rewriter.setInsertionPointToStart(body);
  size_t numLanes = scan.lanes.size();
  Value yOut = body->getArgument(numLanes),
        stateOut = body->getArgument(numLanes + 1);
  OpBuilder &b = rewriter;
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  LaneLayout lane = scan.layout(b, body->getArguments().take_front(numLanes));
  Value h0 = lane1d(b, loc, stateOut, lane.stateOffsets, lane.stateSizes,
                    stateDim);
  Value y0 = lane1d(
      b, loc, yOut, lane.yOffsets, lane.ySizes,
      getConstantIntValue(scan.seqSize).value_or(ShapedType::kDynamic));
  Value dSkip = scan.beginLane(b);
  auto overTime = scf::ForOp::create(
      b, loc, c0, scan.seq, c1, ValueRange{h0, y0},
      [&](OpBuilder &tb, Location l, Value t, ValueRange it) {
        ScanStep step = scan.step(tb, l, t);
        auto bcAt = [&](Value n) {
          SmallVector<Value> at(step.bcAt);
          at.push_back(n);
          return at;
        };
        auto overState = scf::ForOp::create(
            tb, l, c0, indexConst(tb, l, stateDim), c1,
            ValueRange{it[0], floatConst(tb, l, f, 0.0)},
            [&](OpBuilder &nb, Location nl, Value n, ValueRange s) {
              Value decay = step.decay ? step.decay : scan.decayAt(nb, nl, n);
              Value hOld = castFloat(nb, nl, extract(nb, nl, s[0], {n}), f);
              Value bv = extract(nb, nl, scan.b, bcAt(n));
              Value hNew = arith::AddFOp::create(
                  nb, nl, arith::MulFOp::create(nb, nl, decay, hOld),
                  arith::MulFOp::create(nb, nl, step.drive, bv));
              Value cv = extract(nb, nl, scan.c, bcAt(n));
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
              tb, l, yv, arith::MulFOp::create(tb, l, dSkip, step.input));
        if (scan.gate)
          yv = arith::MulFOp::create(
              tb, l, yv, silu(tb, l, extract(tb, l, scan.gate, step.inputAt)));
        Value yCol = tensor::InsertOp::create(tb, l, yv, it[1], {t});
        scf::YieldOp::create(tb, l,
                             ValueRange{overState.getResult(0), yCol});
      });
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  auto ones = [&](size_t rank) {
    return SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(1));
  };
  tensor::ParallelInsertSliceOp::create(rewriter, loc, overTime.getResult(1),
                                        yOut, lane.yOffsets, lane.ySizes,
                                        ones(lane.yOffsets.size()));
  tensor::ParallelInsertSliceOp::create(
      rewriter, loc, overTime.getResult(0), stateOut, lane.stateOffsets,
      lane.stateSizes, ones(lane.stateOffsets.size()));
  return forall;
}

struct LowerSelectiveScan : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value u = op.getInput(), delta = op.getDelta(), a = op.getA();
    Value skip = op.getSkip(), deltaBias = op.getDeltaBias();
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

    // Lane (batch, channel); Δ and its decay exp(Δ·A[d, n]) are per step.
    Value bi, di, dBias, dt;
    auto layout = [&](OpBuilder &b, ValueRange ivs) {
      bi = ivs[0], di = ivs[1];
      return LaneLayout{{bi, di, b.getIndexAttr(0)},
                        {b.getIndexAttr(1), b.getIndexAttr(1),
                         b.getIndexAttr(stateDim)},
                        {bi, b.getIndexAttr(0), di},
                        {b.getIndexAttr(1), seqSize, b.getIndexAttr(1)}};
    };
    auto beginLane = [&](OpBuilder &b) {
      dBias = deltaBias ? extract(b, loc, deltaBias, {di}) : Value();
      return skip ? castFloat(b, loc, extract(b, loc, skip, {di}), f)
                  : Value();
    };
    auto step = [&](OpBuilder &tb, Location l, Value t) {
      dt = transformDelta(tb, l, extract(tb, l, delta, {bi, t, di}), dBias,
                          softplusOn, 0.0, std::nullopt);
      Value uv = extract(tb, l, u, {bi, t, di});
      Value dtu = arith::MulFOp::create(tb, l, dt, uv);
      return ScanStep{Value(), dtu, uv, {bi, t, di}, {bi, t}};
    };
    auto decayAt = [&](OpBuilder &nb, Location nl, Value n) -> Value {
      Value av = castFloat(nb, nl, extract(nb, nl, a, {di, n}), f);
      return math::ExpOp::create(nb, nl, arith::MulFOp::create(nb, nl, dt, av));
    };
    auto forall = buildLaneScan(
        rewriter, loc,
        LaneScan{lanes, op.getInit(), op.getState(), op.getB(), op.getC(),
                 op.getGate(), stateDim, seqSize, seq, f, layout, beginLane,
                 step, decayAt});
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
    Value bm = op.getB(), skip = op.getSkip(), dtBias = op.getDtBias();
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

    // Lane (batch, head, head_dim) of group gi; the decay is per step.
    Value bi, hi, pi, gi;
    auto layout = [&](OpBuilder &b, ValueRange ivs) {
      bi = ivs[0], hi = ivs[1], pi = ivs[2];
      gi = arith::DivUIOp::create(b, loc, hi,
                                  indexConst(b, loc, headsPerGroup));
      return LaneLayout{{bi, hi, pi, b.getIndexAttr(0)},
                        {b.getIndexAttr(1), b.getIndexAttr(1),
                         b.getIndexAttr(1), b.getIndexAttr(stateDim)},
                        {bi, b.getIndexAttr(0), hi, pi},
                        {b.getIndexAttr(1), seqSize, b.getIndexAttr(1),
                         b.getIndexAttr(1)}};
    };
    auto beginLane = [&](OpBuilder &b) {
      return skip ? castFloat(b, loc, extract(b, loc, skip, {hi}), f)
                  : Value();
    };
    auto step = [&](OpBuilder &tb, Location l, Value t) {
      Value dt = extract(tb, l, dtPrepared, {bi, t, hi});
      Value decay = extract(tb, l, decays, {bi, t, hi});
      Value xv = extract(tb, l, x, {bi, t, hi, pi});
      Value dtx = arith::MulFOp::create(tb, l, dt, xv);
      return ScanStep{decay, dtx, xv, {bi, t, hi, pi}, {bi, t, gi}};
    };
    auto forall = buildLaneScan(
        rewriter, loc,
        LaneScan{lanes, op.getInit(), op.getState(), bm, op.getC(),
                 op.getGate(), stateDim, seqSize, seq, f, layout, beginLane,
                 step, /*decayAt=*/nullptr});
    rewriter.replaceOp(op, forall.getResults());
    return success();
  }
};

} // namespace

void mlir::hybrid::populateHybridToLinalgScanPatterns(
    RewritePatternSet &patterns, bool decodeConvLanes) {
  patterns.add<LowerCausalConv1d, LowerSelectiveScan, LowerSSDScan>(
      patterns.getContext());
  if (decodeConvLanes)
    patterns.add<LowerCausalConv1dInLanes>(patterns.getContext());
}
