//===- HybridToLinalg.cpp - the hybrid-convert-to-linalg pass -------------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-convert-to-linalg"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDCONVERTTOLINALGPASS
#include "passes/Conversion/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct HybridConvertToLinalgPass
    : mlir::hybrid::impl::HybridConvertToLinalgPassBase<
          HybridConvertToLinalgPass> {
  using Base::Base;
  HybridConvertToLinalgPass(HeadBlockRowsFn headBlockRows,
                            const HybridConvertToLinalgPassOptions &options)
      : Base(options), headBlockRowsFn(std::move(headBlockRows)) {}

  void runOnOperation() override {
    HeadBlockRowsFn blockRows = headBlockRowsFn;
    if (!blockRows)
      blockRows = [rows = int64_t(headBlockRows)](LinearArgmaxOp) {
        return rows;
      };
    RewritePatternSet patterns(&getContext());
    populateDecomposeFusedOpsPatterns(patterns);
    populateHybridToLinalgProjectionPatterns(patterns);
    populateHybridToLinalgPointwisePatterns(patterns);
    populateHybridToLinalgSamplingPatterns(patterns, blockRows,
                                           argmaxBlockRows);
    populateHybridToLinalgMoEPatterns(patterns);
    populateHybridToLinalgNormPatterns(patterns);
    populateHybridToLinalgAttentionPatterns(patterns, attentionKVChunks,
                                            cacheWriteLanes);
    populateHybridToLinalgScanPatterns(patterns, decodeConvLanes);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Everything but the weights must be gone.
    WalkResult result = getOperation()->walk([](Operation *op) {
      if (isa<HybridDialect>(op->getDialect()) &&
          !isa<WeightOp, PackedWeightOp>(op)) {
        op->emitOpError() << "could not be lowered to linalg";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  /// The target's choice of the heads' block sizes, if it made one.
  HeadBlockRowsFn headBlockRowsFn;
};
} // namespace

std::unique_ptr<Pass>
mlir::hybrid::createHybridConvertToLinalgPass(
    HeadBlockRowsFn headBlockRows,
    const HybridConvertToLinalgPassOptions &options) {
  return std::make_unique<HybridConvertToLinalgPass>(std::move(headBlockRows),
                                                     options);
}
