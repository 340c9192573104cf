//===- FuseElementwise.cpp - controlled elementwise fusion ----------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fuse-elementwise"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFUSEELEMENTWISEPASS
#include "passes/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;

namespace {
struct HybridFuseElementwisePass
    : mlir::hybrid::impl::HybridFuseElementwisePassBase<
          HybridFuseElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      Operation *consumer = fused->getOwner();
      return producer && producer->hasOneUse() &&
             !consumer->hasAttr("hybrid.kernel") &&
             !producer->hasAttr("hybrid.kernel");
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
