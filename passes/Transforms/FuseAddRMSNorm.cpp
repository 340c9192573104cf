//===- FuseAddRMSNorm.cpp - residual add + RMS norm -----------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fuse-add-rms-norm"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFUSEADDRMSNORMPASS
#include "passes/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

struct FuseAddRMSNorm : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormOp norm,
                                PatternRewriter &rewriter) const override {
    auto add = norm.getInput().getDefiningOp<arith::AddFOp>();
    if (!add || norm.getBias())
      return rewriter.notifyMatchFailure(norm, "not add + bias-free rms_norm");
    // The fused op takes the norm's place (its weight may be defined between
    // the two), so every other user of the sum must come after the norm.
    for (Operation *user : add->getUsers())
      if (user != norm && (user->getBlock() != norm->getBlock() ||
                           user->isBeforeInBlock(norm)))
        return rewriter.notifyMatchFailure(norm, "the sum is used before");
    rewriter.setInsertionPoint(norm);
    auto fused = AddRMSNormOp::create(
        rewriter, norm.getLoc(), add.getType(), add.getType(), add.getLhs(),
        add.getRhs(), norm.getWeight(), norm.getEpsilonAttr());
    rewriter.replaceOp(norm, fused.getResult());
    rewriter.replaceOp(add, fused.getSum());
    return success();
  }
};

struct HybridFuseAddRMSNormPass
    : mlir::hybrid::impl::HybridFuseAddRMSNormPassBase<
          HybridFuseAddRMSNormPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAddRMSNorm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](AddRMSNormOp) { ++numFused; });
  }
};

} // namespace
