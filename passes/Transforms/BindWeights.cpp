//===- BindWeights.cpp - hybrid.weight ops to function arguments ----------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"

#define DEBUG_TYPE "hybrid-bind-weights"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDBINDWEIGHTSPASS
#include "passes/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct HybridBindWeightsPass
    : mlir::hybrid::impl::HybridBindWeightsPassBase<HybridBindWeightsPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      llvm::MapVector<StringAttr, SmallVector<WeightOp>> byName;
      func.walk([&](WeightOp op) { byName[op.getNameAttr()].push_back(op); });
      if (byName.empty())
        continue;
      Block &entry = func.getBody().front();
      unsigned index = 0;
      for (auto &[name, ops] : byName) {
        Type type = ops.front().getType();
        for (WeightOp op : ops)
          if (op.getType() != type) {
            op.emitOpError() << "weight '" << name.getValue()
                             << "' is used with two types: " << type
                             << " and " << op.getType();
            return signalPassFailure();
          }
        if (failed(func.insertArgument(
                index, type,
                DictionaryAttr::get(
                    &getContext(),
                    {NamedAttribute(
                        StringAttr::get(&getContext(), "hybrid.weight"),
                        name)}),
                func.getLoc())))
          return signalPassFailure();
        Value arg = entry.getArgument(index++);
        for (WeightOp op : ops) {
          op.replaceAllUsesWith(arg);
          op.erase();
        }
      }
    }
  }
};
} // namespace
