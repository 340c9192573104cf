//===- FuseLinearArgmax.cpp - LM head + greedy argmax ---------------------===//
//
// argmax(linear(h, W)) -> linear_argmax(h, W) when the logits are only
// sampled: decode_greedy's head, in any family.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fuse-linear-argmax"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFUSELINEARARGMAXPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

struct FuseLinearArgmax : OpRewritePattern<ArgmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ArgmaxOp argmax,
                                PatternRewriter &rewriter) const override {
    auto head = argmax.getInput().getDefiningOp<LinearOp>();
    if (!head)
      return rewriter.notifyMatchFailure(argmax, "input is not a linear");
    if (head.getBias())
      return rewriter.notifyMatchFailure(argmax, "the head has a bias");
    if (!head.hasUniformScale())
      return rewriter.notifyMatchFailure(argmax, "the head has section scales");
    // Logits returned or read elsewhere must still be written.
    if (!head.getResult().hasOneUse())
      return rewriter.notifyMatchFailure(argmax, "logits have other users");
    rewriter.replaceOpWithNewOp<LinearArgmaxOp>(
        argmax, argmax.getType(), head.getInput(), head.getWeight(),
        head.getOutputScaleAttr());
    rewriter.eraseOp(head);
    return success();
  }
};

struct HybridFuseLinearArgmaxPass
    : mlir::hybrid::impl::HybridFuseLinearArgmaxPassBase<
          HybridFuseLinearArgmaxPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseLinearArgmax>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](LinearArgmaxOp) { ++numFused; });
  }
};

} // namespace
