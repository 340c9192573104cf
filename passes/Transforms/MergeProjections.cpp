//===- MergeProjections.cpp - projections of one input into one GEMM ------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

#define DEBUG_TYPE "hybrid-merge-projections"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDMERGEPROJECTIONSPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// A linear that may join a merge, and the checkpoint tensor it multiplies.
WeightOp mergeableWeight(LinearOp linear) {
  if (linear.getBias() || linear.getOutputScale().convertToDouble() != 1.0 ||
      !linear.hasUniformScale())
    return {};
  auto weight = linear.getWeight().getDefiningOp<WeightOp>();
  return weight;
}

struct HybridMergeProjectionsPass
    : mlir::hybrid::impl::HybridMergeProjectionsPassBase<
          HybridMergeProjectionsPass> {
  using Base::Base;
  void runOnOperation() override {
    // Groups keyed by (input, weight element type, weight input width), in
    // program order, so the result does not depend on hash order.
    using Key = std::tuple<Value, Type, int64_t>;
    llvm::MapVector<Key, SmallVector<LinearOp>> groups;
    getOperation()->walk([&](LinearOp linear) {
      WeightOp w = mergeableWeight(linear);
      if (!w)
        return;
      RankedTensorType type = w.getType();
      groups[{linear.getInput(), type.getElementType(), type.getDimSize(1)}]
          .push_back(linear);
    });
    for (auto &[key, linears] : groups) {
      if (linears.size() < 2)
        continue;
      // Insert where the first of them was; the input dominates it.
      LinearOp first = linears.front();
      for (LinearOp l : linears)
        if (l->getBlock() != first->getBlock()) {
          linears.clear();
          break;
        }
      if (linears.empty())
        continue;
      for (LinearOp l : linears)
        if (l->isBeforeInBlock(first))
          first = l;
      OpBuilder b(first);
      SmallVector<StringRef> names;
      SmallVector<int64_t> sizes;
      int64_t rows = 0;
      for (LinearOp l : linears) {
        WeightOp w = mergeableWeight(l);
        names.push_back(w.getName());
        sizes.push_back(w.getType().getDimSize(0));
        rows += sizes.back();
      }
      auto [input, elt, width] = key;
      auto packedType = RankedTensorType::get({rows, width}, elt);
      Location loc = first.getLoc();
      Value packed = PackedWeightOp::create(b, loc, packedType,
                                            b.getStrArrayAttr(names),
                                            b.getDenseI64ArrayAttr(sizes));
      auto xType = cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> outShape(xType.getShape());
      outShape.back() = rows;
      auto outType = RankedTensorType::get(outShape, xType.getElementType());
      Value merged = LinearOp::create(b, loc, outType, input, packed, Value());
      SmallVector<Type> pieceTypes;
      for (LinearOp l : linears)
        pieceTypes.push_back(l.getType());
      auto split = SplitOp::create(b, loc, pieceTypes, merged,
                                   b.getDenseI64ArrayAttr(sizes));
      for (auto [l, piece] : llvm::zip(linears, split.getResults())) {
        WeightOp w = mergeableWeight(l);
        l.getResult().replaceAllUsesWith(piece);
        l.erase();
        if (w->use_empty())
          w.erase();
      }
      numMerged += linears.size() - 1;
    }
  }
};

} // namespace
