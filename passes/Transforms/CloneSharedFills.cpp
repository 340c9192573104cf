//===- CloneSharedFills.cpp - one linalg.fill per destination -------------===//
//
// CSE merges the identical zero fills that every GEMM and reduction of a
// layer stack starts from into one value. One-shot bufferization then fills
// that one buffer and, since each consumer writes its destination in place,
// copies it into a fresh buffer per consumer: a read and a write of the
// whole output where a write would do (24 copies of [T, 1536] and 24 of
// [T] a prefill in a 12-layer model). Cloned back right before each
// consumer, every destination is filled in place just before it is used,
// while it is in cache.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/IR/PatternMatch.h"

#define DEBUG_TYPE "hybrid-clone-shared-fills"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDCLONESHAREDFILLSPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;

namespace {

struct HybridCloneSharedFillsPass
    : mlir::hybrid::impl::HybridCloneSharedFillsPassBase<
          HybridCloneSharedFillsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::FillOp> shared;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->getResult(0).hasOneUse())
        shared.push_back(fill);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::FillOp fill : shared) {
      // Each op that writes into the fill (its destination operand) gets a
      // clone, with a tensor.empty of its own, right before it. Readers keep
      // the shared fill: moving a fill to a reader inside a loop would run
      // it once per iteration.
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : fill->getResult(0).getUses()) {
        auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
        if (dps && dps.isDpsInit(&use))
          uses.push_back(&use);
      }
      Value dest = fill.getOutputs()[0];
      auto empty = dest.getDefiningOp<tensor::EmptyOp>();
      for (OpOperand *use : uses) {
        Operation *user = use->getOwner();
        rewriter.setInsertionPoint(user);
        IRMapping mapping;
        if (empty)
          mapping.map(dest, rewriter.clone(*empty)->getResult(0));
        Operation *clone = rewriter.clone(*fill, mapping);
        rewriter.modifyOpInPlace(user,
                                 [&] { use->set(clone->getResult(0)); });
      }
      numCloned += uses.size();
      if (fill->use_empty())
        rewriter.eraseOp(fill);
      if (empty && empty->use_empty())
        rewriter.eraseOp(empty);
    }
  }
};

} // namespace
