//===- FuseConvActivation.cpp - causal conv + SiLU ------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fuse-conv-activation"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFUSECONVACTIVATIONPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

struct FuseConvActivation : OpRewritePattern<ActivationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ActivationOp act,
                                PatternRewriter &rewriter) const override {
    auto conv = act.getInput().getDefiningOp<CausalConv1dOp>();
    if (!conv || act.getKind() != ActivationKind::silu ||
        conv.getActivation() != ActivationKind::identity ||
        !conv.getResult().hasOneUse())
      return rewriter.notifyMatchFailure(act, "not conv -> silu");
    rewriter.modifyOpInPlace(conv, [&] {
      conv.setActivation(ActivationKind::silu);
    });
    rewriter.replaceOp(act, conv.getResult());
    return success();
  }
};

struct HybridFuseConvActivationPass
    : mlir::hybrid::impl::HybridFuseConvActivationPassBase<
          HybridFuseConvActivationPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseConvActivation>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](CausalConv1dOp conv) {
      if (conv.getActivation() == ActivationKind::silu)
        ++numFused;
    });
  }
};

} // namespace
