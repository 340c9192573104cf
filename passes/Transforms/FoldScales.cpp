//===- FoldScales.cpp - constant multipliers into projections -------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fold-scales"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFOLDSCALESPASS
#include "passes/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// Multiplies the output_scale of a linear or a gated MLP by `factor`.
template <typename OpTy>
void multiplyOutputScale(PatternRewriter &rewriter, OpTy op, double factor) {
  double scale = op.getOutputScale().convertToDouble() * factor;
  rewriter.modifyOpInPlace(
      op, [&] { op.setOutputScaleAttr(rewriter.getF64FloatAttr(scale)); });
}

/// scale(linear(...), c) -> linear(...) {output_scale *= c}, and the same
/// for a gated MLP (its down projection's epilogue).
struct FoldScaleAfterLinear : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp scale,
                                PatternRewriter &rewriter) const override {
    Operation *producer = scale.getInput().getDefiningOp();
    if (!producer || !isa<LinearOp, GatedMLPOp>(producer) ||
        !producer->hasOneUse())
      return rewriter.notifyMatchFailure(scale, "not a single-use linear or "
                                                "gated MLP");
    double factor = scale.getFactor().convertToDouble();
    if (auto linear = dyn_cast<LinearOp>(producer))
      multiplyOutputScale(rewriter, linear, factor);
    else
      multiplyOutputScale(rewriter, cast<GatedMLPOp>(producer), factor);
    rewriter.replaceOp(scale, scale.getInput());
    return success();
  }
};

/// linear(scale(x, c), W) for every user -> linear(x, W) {output_scale *= c}.
struct FoldScaleBeforeLinears : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp scale,
                                PatternRewriter &rewriter) const override {
    if (scale->use_empty())
      return failure();
    SmallVector<LinearOp> users;
    for (OpOperand &use : scale->getUses()) {
      auto linear = dyn_cast<LinearOp>(use.getOwner());
      // c·(x W) + b differs from (c·x) W + b: only bias-free linears.
      if (!linear || use.getOperandNumber() != 0 || linear.getBias())
        return rewriter.notifyMatchFailure(scale, "a user is not a bias-free "
                                                  "linear reading it as input");
      users.push_back(linear);
    }
    double factor = scale.getFactor().convertToDouble();
    for (LinearOp linear : users) {
      multiplyOutputScale(rewriter, linear, factor);
      rewriter.modifyOpInPlace(linear, [&] {
        linear.getInputMutable().assign(scale.getInput());
      });
    }
    rewriter.eraseOp(scale);
    return success();
  }
};

struct HybridFoldScalesPass
    : mlir::hybrid::impl::HybridFoldScalesPassBase<HybridFoldScalesPass> {
  using Base::Base;
  void runOnOperation() override {
    int64_t before = 0, after = 0;
    getOperation()->walk([&](ScaleOp) { ++before; });
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldScaleAfterLinear, FoldScaleBeforeLinears>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](ScaleOp) { ++after; });
    numFolded += before - after;
  }
};

} // namespace
