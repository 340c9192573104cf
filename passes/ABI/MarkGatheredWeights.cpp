//===- MarkGatheredWeights.cpp - weights read only at token rows ----------===//
//
// An embedding table that no head shares is read one row per token: a decode
// step touches B rows of it, not the table. The runtime's roofline and any
// target that places weights (host-mapped vs. device-resident) need to know
// which weights those are, and here, on the hybrid ops, it is a fact of the
// IR: every use of the weight is an embedding's table.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/ABI/Passes.h"

#include "mlir/IR/BuiltinOps.h"

#define DEBUG_TYPE "hybrid-mark-gathered-weights"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDMARKGATHEREDWEIGHTSPASS
#include "passes/ABI/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct HybridMarkGatheredWeightsPass
    : mlir::hybrid::impl::HybridMarkGatheredWeightsPassBase<
          HybridMarkGatheredWeightsPass> {
  using Base::Base;
  void runOnOperation() override {
    auto gather = WeightAccessAttr::get(&getContext(), WeightAccess::gather);
    getOperation().walk([&](WeightOp weight) {
      Value table = weight.getResult();
      bool onlyGathered =
          !table.use_empty() &&
          llvm::all_of(table.getUses(), [](OpOperand &use) {
            auto embedding = dyn_cast<EmbeddingOp>(use.getOwner());
            return embedding &&
                   use.getOperandNumber() ==
                       embedding.getTableMutable().getOperandNumber();
          });
      if (!onlyGathered)
        return;
      weight.setAccessAttr(gather);
      ++numGathered;
    });
  }
};
} // namespace
