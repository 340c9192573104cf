//===- RaiseNorms.cpp - small ops to hybrid.gated_rms_norm ----------------===//
//
// Recognizes Mamba-2's gated RMS norm (MambaRMSNormGated and its copies in
// Bamba, Nemotron-H, Granite 4, Falcon-H1, Zonos) written as small ops and
// rewrites it into one hybrid.gated_rms_norm:
//   gate before norm: rms_norm_g(y * silu(z)) * w
//   norm before gate: rms_norm_g(y) * w * silu(z)
// where rms_norm_g is either one hybrid.rms_norm over the last dim (one
// group), or the per-group form the models compute: the [..., D] value viewed
// as [..., G, D/G] with tensor.expand_shape, normalized over the last dim
// with the weight viewed the same way, and collapsed back to [..., D].
// Every intermediate must have no other user, so the rewrite removes exactly
// the ops it replaces.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"
#include "passes/Transforms/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-raise-norms"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDRAISENORMSPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// A bias-free, weighted RMS norm of the last dimension in groups of
/// `groupSize` consecutive features: what hybrid.gated_rms_norm normalizes.
struct GroupedRMSNorm {
  Value input;  // [..., D]
  Value weight; // [D]
  FloatAttr epsilon;
  int64_t groupSize;
};

/// Whether `reassociation` maps [..., D] (rank `rank`) to [..., G, D/G]:
/// every leading dim kept as it is and the last one split in two.
bool splitsLastDimInTwo(ArrayRef<ReassociationIndices> reassociation,
                        int64_t rank) {
  if (static_cast<int64_t>(reassociation.size()) != rank)
    return false;
  for (int64_t i = 0; i + 1 < rank; ++i)
    if (reassociation[i] != ReassociationIndices{i})
      return false;
  return reassociation.back() == ReassociationIndices{rank - 1, rank};
}

/// `v` as a grouped RMS norm: `rms_norm %x weight %w` with a [D] weight (one
/// group of D), or collapse(rms_norm(expand x, expand w)) as above.
std::optional<GroupedRMSNorm> matchGroupedRMSNorm(Value v) {
  if (auto norm = v.getDefiningOp<RMSNormOp>()) {
    Value weight = norm.getWeight();
    int64_t features = norm.getInput().getType().getShape().back();
    if (norm.getBias() || !weight || ShapedType::isDynamic(features) ||
        cast<RankedTensorType>(weight.getType()).getRank() != 1)
      return std::nullopt;
    return GroupedRMSNorm{norm.getInput(), weight, norm.getEpsilonAttr(),
                          features};
  }
  auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse)
    return std::nullopt;
  auto norm = collapse.getSrc().getDefiningOp<RMSNormOp>();
  if (!norm || !norm->hasOneUse() || norm.getBias() || !norm.getWeight())
    return std::nullopt;
  auto expand = norm.getInput().getDefiningOp<tensor::ExpandShapeOp>();
  auto weightView = norm.getWeight().getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand || !expand->hasOneUse() || !weightView)
    return std::nullopt;
  // The input is viewed as groups and collapsed back the same way.
  int64_t rank = collapse.getResultType().getRank();
  if (expand.getSrc().getType() != collapse.getResultType() ||
      !splitsLastDimInTwo(expand.getReassociationIndices(), rank) ||
      !splitsLastDimInTwo(collapse.getReassociationIndices(), rank))
    return std::nullopt;
  // The weight [D] is viewed as the same [G, D/G].
  ArrayRef<int64_t> groups = expand.getResultType().getShape().take_back(2);
  if (weightView.getSrcType().getRank() != 1 ||
      weightView.getResultType().getShape() != groups ||
      ShapedType::isDynamicShape(groups))
    return std::nullopt;
  return GroupedRMSNorm{expand.getSrc(), weightView.getSrc(),
                        norm.getEpsilonAttr(), groups.back()};
}

/// rms_norm_g(y * silu(z)) * w, rooted at the op that yields the normed
/// value: the rms_norm itself (one group) or the collapse_shape (groups).
struct RaiseGateBeforeNorm : RewritePattern {
  RaiseGateBeforeNorm(MLIRContext *ctx, StringRef rootName,
                      Pass::Statistic &numRaised)
      : RewritePattern(rootName, /*benefit=*/1, ctx), numRaised(numRaised) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    std::optional<GroupedRMSNorm> norm = matchGroupedRMSNorm(op->getResult(0));
    if (!norm)
      return rewriter.notifyMatchFailure(op, "not a grouped RMS norm");
    auto mul = norm->input.getDefiningOp<arith::MulFOp>();
    if (!mul || !mul->hasOneUse())
      return rewriter.notifyMatchFailure(op, "input is not a single-use mul");
    auto [silu, input] = activatedFactor(mul, ActivationKind::silu);
    if (!silu)
      return rewriter.notifyMatchFailure(op, "no SiLU-gated factor");
    rewriter.replaceOpWithNewOp<GatedRMSNormOp>(
        op, op->getResult(0).getType(), input, silu.getInput(), norm->weight,
        norm->epsilon, rewriter.getI64IntegerAttr(norm->groupSize),
        /*norm_before_gate=*/nullptr);
    ++numRaised;
    return success();
  }
  Pass::Statistic &numRaised;
};

/// rms_norm_g(y) * w * silu(z), either operand order, rooted at the product.
struct RaiseNormBeforeGate : OpRewritePattern<arith::MulFOp> {
  RaiseNormBeforeGate(MLIRContext *ctx, Pass::Statistic &numRaised)
      : OpRewritePattern(ctx), numRaised(numRaised) {}
  LogicalResult matchAndRewrite(arith::MulFOp mul,
                                PatternRewriter &rewriter) const override {
    auto [silu, normed] = activatedFactor(mul, ActivationKind::silu);
    if (!silu || !normed.hasOneUse())
      return rewriter.notifyMatchFailure(mul, "no SiLU gate and single-use "
                                              "other factor");
    std::optional<GroupedRMSNorm> norm = matchGroupedRMSNorm(normed);
    if (!norm)
      return rewriter.notifyMatchFailure(mul, "other factor is not a norm");
    rewriter.replaceOpWithNewOp<GatedRMSNormOp>(
        mul, mul.getType(), norm->input, silu.getInput(), norm->weight,
        norm->epsilon, rewriter.getI64IntegerAttr(norm->groupSize),
        rewriter.getUnitAttr());
    ++numRaised;
    return success();
  }
  Pass::Statistic &numRaised;
};

struct HybridRaiseNormsPass
    : mlir::hybrid::impl::HybridRaiseNormsPassBase<HybridRaiseNormsPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<RaiseGateBeforeNorm>(ctx, RMSNormOp::getOperationName(),
                                      numRaised);
    patterns.add<RaiseGateBeforeNorm>(
        ctx, tensor::CollapseShapeOp::getOperationName(), numRaised);
    patterns.add<RaiseNormBeforeGate>(ctx, numRaised);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
