//===- FuseElementwise.cpp - controlled elementwise fusion ----------------===//

#include "dialect/IR/HybridDialect.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fuse-elementwise"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFUSEELEMENTWISEPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct HybridFuseElementwisePass
    : mlir::hybrid::impl::HybridFuseElementwisePassBase<
          HybridFuseElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // GEMMs stay apart: the target runs them as its GEMM kernel.
    auto gemm = getHybridDialect(&getContext())->getGemmAttrHelper();
    linalg::ControlFusionFn control = [gemm](OpOperand *fused) mutable {
      Operation *producer = fused->get().getDefiningOp();
      Operation *consumer = fused->getOwner();
      return producer && producer->hasOneUse() &&
             !gemm.isAttrPresent(consumer) && !gemm.isAttrPresent(producer);
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
