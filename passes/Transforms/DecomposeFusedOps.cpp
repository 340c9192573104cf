//===- DecomposeFusedOps.cpp - fused hybrid ops to their parts ------------===//
//
// Rewrites hybrid.gated_mlp, hybrid.add_rms_norm, hybrid.add_layer_norm and
// hybrid.linear_argmax into the primitive ops they fuse, for lowerings that
// have no fused kernel for them.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"
#include "passes/Transforms/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-decompose-fused-ops"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDDECOMPOSEFUSEDOPSPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// The result type of `linear(input, weight)`: input's leading dims and
/// element type, weight's output dim.
RankedTensorType linearResultType(Value input, Value weight) {
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(inputType.getShape().drop_back());
  shape.push_back(cast<RankedTensorType>(weight.getType()).getDimSize(0));
  return RankedTensorType::get(shape, inputType.getElementType());
}

struct DecomposeGatedMLP : OpRewritePattern<GatedMLPOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatedMLPOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    RankedTensorType hiddenType = linearResultType(x, op.getGate());
    Value gate = LinearOp::create(rewriter, loc, hiddenType, x, op.getGate(),
                                  Value(), op.getGateScaleAttr());
    Value up =
        LinearOp::create(rewriter, loc, hiddenType, x, op.getUp(), Value());
    Value act = ActivationOp::create(rewriter, loc, hiddenType,
                                     op.getActivationAttr(), gate);
    Value prod = arith::MulFOp::create(rewriter, loc, act, up);
    rewriter.replaceOpWithNewOp<LinearOp>(op, op.getType(), prod,
                                          op.getDown(), Value(),
                                          op.getOutputScaleAttr());
    return success();
  }
};

struct DecomposeAddRMSNorm : OpRewritePattern<AddRMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddRMSNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value sum =
        arith::AddFOp::create(rewriter, loc, op.getInput(), op.getResidual());
    Value normed = RMSNormOp::create(rewriter, loc, sum.getType(), sum,
                                     op.getWeight(), /*bias=*/Value(),
                                     op.getEpsilonAttr());
    rewriter.replaceOp(op, {normed, sum});
    return success();
  }
};

struct DecomposeAddLayerNorm : OpRewritePattern<AddLayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddLayerNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value sum =
        arith::AddFOp::create(rewriter, loc, op.getInput(), op.getResidual());
    Value normed = LayerNormOp::create(rewriter, loc, sum.getType(), sum,
                                       op.getWeight(), op.getBias(),
                                       op.getEpsilonAttr());
    rewriter.replaceOp(op, {normed, sum});
    return success();
  }
};

struct DecomposeLinearArgmax : OpRewritePattern<LinearArgmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearArgmaxOp op,
                                PatternRewriter &rewriter) const override {
    Value logits = LinearOp::create(
        rewriter, op.getLoc(), linearResultType(op.getInput(), op.getWeight()),
        op.getInput(), op.getWeight(), /*bias=*/Value(),
        op.getOutputScaleAttr());
    rewriter.replaceOpWithNewOp<ArgmaxOp>(op, op.getType(), logits);
    return success();
  }
};

struct HybridDecomposeFusedOpsPass
    : mlir::hybrid::impl::HybridDecomposeFusedOpsPassBase<HybridDecomposeFusedOpsPass> {
  using Base::Base;
  void runOnOperation() override {
    Operation *root = getOperation();
    int64_t fused = 0;
    root->walk([&](Operation *op) {
      if (isa<GatedMLPOp, AddRMSNormOp, AddLayerNormOp, LinearArgmaxOp>(op))
        ++fused;
    });
    RewritePatternSet patterns(&getContext());
    populateDecomposeFusedOpsPatterns(patterns);
    if (failed(applyPatternsGreedily(root, std::move(patterns))))
      return signalPassFailure();
    numDecomposed += fused;
  }
};

} // namespace

void mlir::hybrid::populateDecomposeFusedOpsPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DecomposeGatedMLP, DecomposeAddRMSNorm, DecomposeAddLayerNorm,
               DecomposeLinearArgmax>(patterns.getContext());
}
