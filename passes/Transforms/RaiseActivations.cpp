//===- RaiseActivations.cpp - small ops to one hybrid.activation ----------===//
//
// Recognizes activations that models write as a product of small ops and
// rewrites them into the one hybrid.activation of the same math, so that the
// later fusions (gated MLP, conv + SiLU) and the lowering see one pointwise
// op:
//   relu(x) * relu(x)  -> relu2 x   (Nemotron-H's square(relu(x)))
//   x * sigmoid(x)     -> silu x    (SiLU spelled out)
// Every intermediate must have no user outside the product, so the rewrite
// removes exactly the ops it replaces and recomputes nothing.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"
#include "passes/Transforms/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-raise-activations"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDRAISEACTIVATIONSPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// `v` as `hybrid.activation relu` whose every use is an operand of `user`.
ActivationOp reluUsedOnlyBy(Value v, Operation *user) {
  auto relu = v.getDefiningOp<ActivationOp>();
  if (!relu || relu.getKind() != ActivationKind::relu ||
      !llvm::all_of(v.getUsers(), [&](Operation *u) { return u == user; }))
    return ActivationOp();
  return relu;
}

/// mulf(relu x, relu x): one relu squared, or two relus of the same input.
struct RaiseReluSquared : OpRewritePattern<arith::MulFOp> {
  RaiseReluSquared(MLIRContext *ctx, Pass::Statistic &numRaised)
      : OpRewritePattern(ctx), numRaised(numRaised) {}
  LogicalResult matchAndRewrite(arith::MulFOp mul,
                                PatternRewriter &rewriter) const override {
    ActivationOp lhs = reluUsedOnlyBy(mul.getLhs(), mul);
    ActivationOp rhs = reluUsedOnlyBy(mul.getRhs(), mul);
    if (!lhs || !rhs || lhs.getInput() != rhs.getInput())
      return rewriter.notifyMatchFailure(mul, "not relu(x) * relu(x) with "
                                              "single-use relus");
    rewriter.replaceOpWithNewOp<ActivationOp>(mul, ActivationKind::relu2,
                                              lhs.getInput());
    rewriter.eraseOp(lhs);
    if (rhs != lhs)
      rewriter.eraseOp(rhs);
    ++numRaised;
    return success();
  }
  Pass::Statistic &numRaised;
};

/// mulf(x, sigmoid x), either order.
struct RaiseSiLU : OpRewritePattern<arith::MulFOp> {
  RaiseSiLU(MLIRContext *ctx, Pass::Statistic &numRaised)
      : OpRewritePattern(ctx), numRaised(numRaised) {}
  LogicalResult matchAndRewrite(arith::MulFOp mul,
                                PatternRewriter &rewriter) const override {
    // The sigmoid's input must be the other factor itself, not an equal
    // value computed elsewhere: structure, not value numbering.
    auto isSigmoidOfOtherFactor = [&](ActivationOp act) {
      Value otherFactor =
          act.getResult() == mul.getLhs() ? mul.getRhs() : mul.getLhs();
      return act.getKind() == ActivationKind::sigmoid &&
             act.getInput() == otherFactor;
    };
    auto [sigmoid, other] = activatedFactor(mul, isSigmoidOfOtherFactor);
    if (!sigmoid)
      return rewriter.notifyMatchFailure(mul, "not x * sigmoid(x)");
    rewriter.replaceOpWithNewOp<ActivationOp>(mul, ActivationKind::silu, other);
    rewriter.eraseOp(sigmoid);
    ++numRaised;
    return success();
  }
  Pass::Statistic &numRaised;
};

struct HybridRaiseActivationsPass
    : mlir::hybrid::impl::HybridRaiseActivationsPassBase<
          HybridRaiseActivationsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseReluSquared, RaiseSiLU>(&getContext(), numRaised);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
