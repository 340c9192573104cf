//===- FoldDtIntoScan.cpp - time-step preparation into the scans ----------===//
//
// Mamba mixers prepare the scan's time step with a few small ops:
//
//   Mamba-2:  Δ = clamp(softplus(dt + dt_bias), lo, hi)   (dt_bias is [H])
//   Mamba-1:  Δ = softplus(dt_proj(x))                     (dt_proj has a bias)
//
// Both scan ops take that preparation as operands and attributes (mamba_ssm's
// delta_bias / delta_softplus / dt_limit), so a kernel applies it to each dt
// as it reads it instead of running a pass of its own over [B, T, H]. The
// preparation is matched backwards from the scan's dt operand, inside out
// (bias, softplus, clamp); each step is optional and every intermediate must
// have the next step as its only user.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fold-dt-into-scan"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFOLDDTINTOSCANPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// What was matched in front of a scan's dt operand.
struct TimeStepPrep {
  Value dt;               // what the scan reads once the steps are folded
  Value bias;             // [C], or null
  LinearOp biasedLinear;  // set when the bias is a linear's own bias
  bool softplus = false;
  std::optional<double> lo, hi;
  SmallVector<Operation *> absorbed; // outermost first; erased after folding

  bool empty() const { return absorbed.empty() && !biasedLinear; }
};

/// The value of a float tensor whose elements are all one constant: a splat
/// constant (static shapes), or a linalg.fill of a constant (any shape).
std::optional<double> splatFloat(Value v) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    v = fill.value();
  FloatAttr scalar;
  if (matchPattern(v, m_Constant(&scalar)))
    return scalar.getValueAsDouble();
  DenseFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// `v = op(x, c)` or `op(c, x)` with `c` a float splat: (x, c).
template <typename OpTy>
std::optional<std::pair<Value, double>> matchWithSplat(Value v) {
  auto op = v.getDefiningOp<OpTy>();
  if (!op)
    return std::nullopt;
  if (std::optional<double> c = splatFloat(op.getRhs()))
    return std::make_pair(op.getLhs(), *c);
  if (std::optional<double> c = splatFloat(op.getLhs()))
    return std::make_pair(op.getRhs(), *c);
  return std::nullopt;
}

/// The [C] parameter when `v` broadcasts one over every leading dim of a
/// [..., C] tensor (PyTorch's `x + p`), looking through a widening to f32.
Value channelParameter(Value v) {
  auto broadcast = v.getDefiningOp<linalg::BroadcastOp>();
  if (!broadcast)
    return Value();
  auto in = cast<RankedTensorType>(broadcast.getInput().getType());
  auto out = cast<RankedTensorType>(broadcast.getInit().getType());
  ArrayRef<int64_t> dims = broadcast.getDimensions();
  if (in.getRank() != 1 || static_cast<int64_t>(dims.size()) != out.getRank() - 1)
    return Value();
  for (auto [i, d] : llvm::enumerate(dims))
    if (d != static_cast<int64_t>(i))
      return Value();
  Value p = broadcast.getInput();
  if (auto ext = p.getDefiningOp<arith::ExtFOp>())
    p = ext.getIn();
  return p;
}

TimeStepPrep matchTimeStepPrep(Value dt, bool clampAllowed) {
  TimeStepPrep p;
  p.dt = dt;
  auto absorb = [&](Value next) {
    p.absorbed.push_back(p.dt.getDefiningOp());
    p.dt = next;
  };
  if (clampAllowed && p.dt.hasOneUse()) {
    if (auto m = matchWithSplat<arith::MinimumFOp>(p.dt)) {
      p.hi = m->second;
      absorb(m->first);
    }
  }
  // A lower bound of 0 or less is not what the scan's dt_min means (it
  // clamps only above 0): leave such a max in place.
  if (clampAllowed && p.dt.hasOneUse()) {
    if (auto m = matchWithSplat<arith::MaximumFOp>(p.dt); m && m->second > 0) {
      p.lo = m->second;
      absorb(m->first);
    }
  }
  if (p.dt.hasOneUse()) {
    auto act = p.dt.getDefiningOp<ActivationOp>();
    if (act && act.getKind() == ActivationKind::softplus) {
      p.softplus = true;
      absorb(act.getInput());
    }
  }
  if (!p.dt.hasOneUse())
    return p;
  if (auto add = p.dt.getDefiningOp<arith::AddFOp>()) {
    for (auto [x, y] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())})
      if (Value bias = channelParameter(y)) {
        p.bias = bias;
        absorb(x);
        break;
      }
  } else if (auto linear = p.dt.getDefiningOp<LinearOp>()) {
    // A scaled linear scales its bias too: leave it.
    if (linear.getBias() && linear.getOutputScale().convertToDouble() == 1.0 &&
        linear.hasUniformScale()) {
      p.bias = linear.getBias();
      p.biasedLinear = linear;
    }
  }
  return p;
}

/// Replaces the biased linear feeding the scan by the same linear without
/// its bias (which the scan now adds), and erases the absorbed ops.
void finishFold(PatternRewriter &rewriter, const TimeStepPrep &p) {
  if (LinearOp linear = p.biasedLinear)
    rewriter.replaceOpWithNewOp<LinearOp>(
        linear, linear.getType(), linear.getInput(), linear.getWeight(),
        Value(), linear.getOutputScaleAttr());
  for (Operation *op : p.absorbed)
    rewriter.eraseOp(op);
}

struct FoldDtIntoSSDScan : OpRewritePattern<SSDScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SSDScanOp scan,
                                PatternRewriter &rewriter) const override {
    if (scan.getDtBias() || scan.getDtSoftplus() ||
        scan.getDtMin().convertToDouble() != 0.0 || scan.getDtMax())
      return rewriter.notifyMatchFailure(scan, "dt already prepared");
    TimeStepPrep p = matchTimeStepPrep(scan.getDt(), /*clampAllowed=*/true);
    if (p.empty())
      return rewriter.notifyMatchFailure(scan, "no dt preparation in front");
    rewriter.modifyOpInPlace(scan, [&] {
      scan.getDtMutable().assign(p.dt);
      if (p.bias)
        scan.getDtBiasMutable().assign(p.bias);
      scan.setDtSoftplus(p.softplus);
      if (p.lo)
        scan.setDtMinAttr(rewriter.getF64FloatAttr(*p.lo));
      if (p.hi)
        scan.setDtMaxAttr(rewriter.getF64FloatAttr(*p.hi));
    });
    finishFold(rewriter, p);
    return success();
  }
};

struct FoldDtIntoSelectiveScan : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectiveScanOp scan,
                                PatternRewriter &rewriter) const override {
    if (scan.getDeltaBias() || scan.getDeltaSoftplus())
      return rewriter.notifyMatchFailure(scan, "delta already prepared");
    // Mamba-1's scan has no time-step limit.
    TimeStepPrep p =
        matchTimeStepPrep(scan.getDelta(), /*clampAllowed=*/false);
    if (p.empty())
      return rewriter.notifyMatchFailure(scan, "no delta preparation in front");
    rewriter.modifyOpInPlace(scan, [&] {
      scan.getDeltaMutable().assign(p.dt);
      if (p.bias)
        scan.getDeltaBiasMutable().assign(p.bias);
      scan.setDeltaSoftplus(p.softplus);
    });
    finishFold(rewriter, p);
    return success();
  }
};

struct HybridFoldDtIntoScanPass
    : mlir::hybrid::impl::HybridFoldDtIntoScanPassBase<
          HybridFoldDtIntoScanPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldDtIntoSSDScan, FoldDtIntoSelectiveScan>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](Operation *op) {
      if (auto s = dyn_cast<SSDScanOp>(op); s && s.getDtSoftplus())
        ++numFolded;
      if (auto s = dyn_cast<SelectiveScanOp>(op); s && s.getDeltaSoftplus())
        ++numFolded;
    });
  }
};

} // namespace
