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

void multiplyOutputScale(PatternRewriter &rewriter, LinearOp linear,
                         double factor) {
  double scale = linear.getOutputScale().convertToDouble() * factor;
  rewriter.modifyOpInPlace(linear, [&] {
    linear.setOutputScaleAttr(rewriter.getF64FloatAttr(scale));
  });
}

/// scale(linear(...), c) -> linear(...) {output_scale *= c}.
struct FoldScaleAfterLinear : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp scale,
                                PatternRewriter &rewriter) const override {
    auto linear = scale.getInput().getDefiningOp<LinearOp>();
    if (!linear || !linear->hasOneUse())
      return rewriter.notifyMatchFailure(scale, "not a single-use linear");
    multiplyOutputScale(rewriter, linear,
                        scale.getFactor().convertToDouble());
    rewriter.replaceOp(scale, linear.getResult());
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
