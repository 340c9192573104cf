//===- RaiseGatedMLP.cpp - small ops to hybrid.gated_mlp ------------------===//
//
// Matches from the down projection upwards: linear(mul(act(g), u)) where g
// and u are projections of the same input, as separate linears or as the two
// halves of one split linear. Every intermediate must have no other user, so
// the rewrite removes exactly the ops it replaces.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"
#include "passes/Transforms/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-raise-gated-mlp"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDRAISEGATEDMLPPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// A projection feeding the MLP: its input and its weight (possibly a row
/// slice of a fused weight), times a constant `scale` (a muP multiplier as a
/// `hybrid.scale` after it, or its `output_scale`).
struct Projection {
  Value input;
  Value weight; // null until materialized (fused halves)
  LinearOp linear;
  SplitOp split;
  unsigned half = 0;
  double scale = 1.0;
};

/// `v` as a bias-free projection of some input with a single use, possibly
/// scaled by a constant.
std::optional<Projection> matchProjection(Value v) {
  if (!v.hasOneUse())
    return std::nullopt;
  if (auto scale = v.getDefiningOp<ScaleOp>()) {
    std::optional<Projection> p = matchProjection(scale.getInput());
    if (p)
      p->scale *= scale.getFactor().convertToDouble();
    return p;
  }
  if (auto linear = v.getDefiningOp<LinearOp>()) {
    if (linear.getBias() || !linear.hasUniformScale())
      return std::nullopt;
    return Projection{linear.getInput(), linear.getWeight(), linear, {}, 0,
                      linear.getOutputScale().convertToDouble()};
  }
  if (auto split = v.getDefiningOp<SplitOp>()) {
    auto linear = split.getInput().getDefiningOp<LinearOp>();
    if (split.getNumResults() != 2 || !linear || linear.getBias() ||
        !linear.hasUniformScale() || !split.getInput().hasOneUse())
      return std::nullopt;
    auto sizes = split.getSizes();
    if (sizes[0] != sizes[1])
      return std::nullopt;
    unsigned half = cast<OpResult>(v).getResultNumber();
    return Projection{linear.getInput(), Value(), linear, split, half,
                      linear.getOutputScale().convertToDouble()};
  }
  return std::nullopt;
}

/// Rows [half*I, (half+1)*I) of a fused [2I, D] weight.
Value weightHalf(PatternRewriter &rewriter, Location loc, Value weight,
                 unsigned half) {
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t rows = type.getDimSize(0) / 2, cols = type.getDimSize(1);
  auto sliceType = RankedTensorType::get({rows, cols}, type.getElementType());
  SmallVector<OpFoldResult> offsets = {rewriter.getIndexAttr(half * rows),
                                       rewriter.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(rows),
                                     rewriter.getIndexAttr(cols)};
  SmallVector<OpFoldResult> strides(2, rewriter.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(rewriter, loc, sliceType, weight,
                                        offsets, sizes, strides);
}

struct RaiseGatedMLP : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp down,
                                PatternRewriter &rewriter) const override {
    if (down.getBias() || !down.hasUniformScale())
      return rewriter.notifyMatchFailure(down, "down projection has a bias "
                                               "or section scales");
    auto mul = down.getInput().getDefiningOp<arith::MulFOp>();
    if (!mul || !mul->hasOneUse())
      return rewriter.notifyMatchFailure(down, "input is not a single-use mul");
    // Which factor is the activated gate.
    auto [act, other] = activatedFactor(mul, [](ActivationOp candidate) {
      return candidate.getKind() != ActivationKind::identity;
    });
    if (!act)
      return rewriter.notifyMatchFailure(down, "no activated factor");
    std::optional<Projection> gate = matchProjection(act.getInput());
    std::optional<Projection> up = matchProjection(other);
    if (!gate || !up || gate->input != up->input)
      return rewriter.notifyMatchFailure(down, "factors are not projections "
                                               "of one input");
    // Two halves of one split, or two separate linears.
    if ((gate->split || up->split) &&
        (gate->split != up->split || gate->half == up->half))
      return rewriter.notifyMatchFailure(down, "mismatched fused halves");
    if (!gate->split && gate->linear == up->linear)
      return rewriter.notifyMatchFailure(down, "gate and up are one value");

    Location loc = down.getLoc();
    if (gate->split) {
      Value fused = gate->linear.getWeight();
      gate->weight = weightHalf(rewriter, loc, fused, gate->half);
      up->weight = weightHalf(rewriter, loc, fused, up->half);
    }
    // down((act(g·a))·(u·b))·c = down(act(g·a)·u)·(b·c): the up projection's
    // multiplier moves past the (linear) down projection.
    double outputScale = up->scale * down.getOutputScale().convertToDouble();
    rewriter.replaceOpWithNewOp<GatedMLPOp>(
        down, down.getType(), gate->input, gate->weight, up->weight,
        down.getWeight(), act.getKindAttr(),
        rewriter.getF64FloatAttr(gate->scale),
        rewriter.getF64FloatAttr(outputScale));
    return success();
  }
};

struct HybridRaiseGatedMLPPass
    : mlir::hybrid::impl::HybridRaiseGatedMLPPassBase<HybridRaiseGatedMLPPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseGatedMLP>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](GatedMLPOp) { ++numRaised; });
  }
};

} // namespace
