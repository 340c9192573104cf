//===- FuseAddRMSNorm.cpp - residual add + RMS / layer norm ---------------===//
//
// Both hybrid-fuse-add-rms-norm and hybrid-fuse-add-layer-norm: one pattern
// over the norm kind.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fuse-add-norm"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFUSEADDRMSNORMPASS
#define GEN_PASS_DEF_HYBRIDFUSEADDLAYERNORMPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// `%s = addf %a, %b; %n = NORM %s` -> `%n, %s = ADDNORM %a, %b`, for
/// (rms_norm, add_rms_norm) and (layer_norm, add_layer_norm).
template <typename NormOp>
struct FuseAddNorm : OpRewritePattern<NormOp> {
  using OpRewritePattern<NormOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(NormOp norm,
                                PatternRewriter &rewriter) const override {
    auto add = norm.getInput().template getDefiningOp<arith::AddFOp>();
    if (!add)
      return rewriter.notifyMatchFailure(norm, "input is not an add");
    // The fused op takes the norm's place (its weight may be defined between
    // the two), so every other user of the sum must come after the norm.
    for (Operation *user : add->getUsers())
      if (user != norm && (user->getBlock() != norm->getBlock() ||
                           user->isBeforeInBlock(norm)))
        return rewriter.notifyMatchFailure(norm, "the sum is used before");
    rewriter.setInsertionPoint(norm);
    Value normed, sum;
    if constexpr (std::is_same_v<NormOp, RMSNormOp>) {
      // add_rms_norm has no bias (Zonos' biased final norm stays unfused).
      if (norm.getBias())
        return rewriter.notifyMatchFailure(norm, "rms_norm with a bias");
      auto fused = AddRMSNormOp::create(
          rewriter, norm.getLoc(), add.getType(), add.getType(), add.getLhs(),
          add.getRhs(), norm.getWeight(), norm.getEpsilonAttr());
      normed = fused.getResult();
      sum = fused.getSum();
    } else {
      auto fused = AddLayerNormOp::create(
          rewriter, norm.getLoc(), add.getType(), add.getType(), add.getLhs(),
          add.getRhs(), norm.getWeight(), norm.getBias(),
          norm.getEpsilonAttr());
      normed = fused.getResult();
      sum = fused.getSum();
    }
    rewriter.replaceOp(norm, normed);
    rewriter.replaceOp(add, sum);
    return success();
  }
};

struct HybridFuseAddRMSNormPass
    : mlir::hybrid::impl::HybridFuseAddRMSNormPassBase<
          HybridFuseAddRMSNormPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAddNorm<RMSNormOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](AddRMSNormOp) { ++numFused; });
  }
};

struct HybridFuseAddLayerNormPass
    : mlir::hybrid::impl::HybridFuseAddLayerNormPassBase<
          HybridFuseAddLayerNormPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAddNorm<LayerNormOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](AddLayerNormOp) { ++numFused; });
  }
};

} // namespace
