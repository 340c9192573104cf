//===- FoldRoPEIntoAttention.cpp - rope(q), rope(k) into attention --------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fold-rope-into-attention"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFOLDROPEINTOATTENTIONPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

struct FoldRoPE : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getRotaryDim() != 0)
      return rewriter.notifyMatchFailure(op, "already has a rope");
    auto q = op.getQuery().getDefiningOp<RoPEOp>();
    auto k = op.getKey().getDefiningOp<RoPEOp>();
    if (!q || !k || !q->hasOneUse() || !k->hasOneUse())
      return rewriter.notifyMatchFailure(op, "q and k are not single-use ropes");
    if (q.getPosition() != op.getPosition() ||
        k.getPosition() != op.getPosition() || q.getTheta() != k.getTheta() ||
        q.getRotaryDim() != k.getRotaryDim() ||
        q.getInterleaved() != k.getInterleaved())
      return rewriter.notifyMatchFailure(op, "ropes differ");
    rewriter.modifyOpInPlace(op, [&] {
      op.getQueryMutable().assign(q.getInput());
      op.getKeyMutable().assign(k.getInput());
      op.setRotaryDim(q.getRotaryDim());
      op.setRopeThetaAttr(q.getThetaAttr());
      op.setRopeInterleaved(q.getInterleaved());
    });
    rewriter.eraseOp(q);
    rewriter.eraseOp(k);
    return success();
  }
};

struct HybridFoldRoPEIntoAttentionPass
    : mlir::hybrid::impl::HybridFoldRoPEIntoAttentionPassBase<
          HybridFoldRoPEIntoAttentionPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldRoPE>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](AttentionOp op) {
      if (op.getRotaryDim() > 0)
        ++numFolded;
    });
  }
};

} // namespace
