//===- BindWeights.cpp - hybrid.weight ops to function arguments ----------===//

#include "dialect/IR/HybridOps.h"
#include "passes/ABI/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"

#define DEBUG_TYPE "hybrid-bind-weights"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDBINDWEIGHTSPASS
#include "passes/ABI/Passes.h.inc"
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
      // Plain weights by their name, packed ones by their parts joined with
      // '+' (which no checkpoint name contains).
      llvm::MapVector<StringAttr, SmallVector<Operation *>> byName;
      llvm::DenseMap<StringAttr, ArrayAttr> partsOf;
      llvm::DenseMap<StringAttr, DenseI64ArrayAttr> rowsOf;
      // Gathered only if every op of the name is (a tied embedding is also
      // the head, which streams it).
      llvm::DenseMap<StringAttr, bool> gathered;
      func.walk([&](Operation *op) {
        if (auto w = dyn_cast<WeightOp>(op)) {
          byName[w.getNameAttr()].push_back(op);
          bool gather = w.getAccess() == WeightAccess::gather;
          auto [it, inserted] = gathered.try_emplace(w.getNameAttr(), gather);
          if (!inserted)
            it->second = it->second && gather;
        } else if (auto p = dyn_cast<PackedWeightOp>(op)) {
          std::string joined;
          for (auto [i, n] :
               llvm::enumerate(p.getNames().getAsValueRange<StringAttr>()))
            joined += (i ? "+" : "") + n.str();
          auto key = StringAttr::get(&getContext(), joined);
          byName[key].push_back(op);
          partsOf[key] = p.getNames();
          rowsOf[key] = p.getRowsAttr();
        }
      });
      if (byName.empty())
        continue;
      Block &entry = func.getBody().front();
      unsigned index = 0;
      for (auto &[name, ops] : byName) {
        Type type = ops.front()->getResult(0).getType();
        for (Operation *op : ops)
          if (op->getResult(0).getType() != type) {
            op->emitOpError() << "weight '" << name.getValue()
                              << "' is used with two types: " << type
                              << " and " << op->getResult(0).getType();
            return signalPassFailure();
          }
        auto binding = WeightBindingAttr::get(
            &getContext(), name,
            gathered.lookup(name) ? WeightAccess::gather
                                  : WeightAccess::stream,
            partsOf.lookup(name), rowsOf.lookup(name));
        NamedAttribute attr(
            getHybridDialect(&getContext())->getWeightAttrHelper().getName(),
            binding);
        if (failed(func.insertArgument(
                index, type, DictionaryAttr::get(&getContext(), {attr}),
                func.getLoc())))
          return signalPassFailure();
        Value arg = entry.getArgument(index++);
        for (Operation *op : ops) {
          op->getResult(0).replaceAllUsesWith(arg);
          op->erase();
        }
      }
    }
  }
};
} // namespace
