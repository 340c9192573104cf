//===- ReturnStateInPlace.cpp - state results onto their arguments --------===//

#include "dialect/IR/HybridDialect.h"
#include "passes/ABI/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/BitVector.h"

#define DEBUG_TYPE "hybrid-return-state-in-place"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDRETURNSTATEINPLACEPASS
#include "passes/ABI/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct HybridReturnStateInPlacePass
    : mlir::hybrid::impl::HybridReturnStateInPlacePassBase<
          HybridReturnStateInPlacePass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      llvm::StringMap<unsigned> argByState;
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (StateAttr s = getArgState(func, i))
          argByState[s.getName().getValue()] = i;
      llvm::BitVector drop(func.getNumResults());
      for (unsigned i = 0; i < func.getNumResults(); ++i) {
        StateAttr s = getResultState(func, i);
        if (!s)
          continue;
        auto it = argByState.find(s.getName().getValue());
        if (it == argByState.end()) {
          func.emitError() << "state result '" << s.getName().getValue()
                           << "' has no argument of the same name";
          return signalPassFailure();
        }
        Value arg = func.getArgument(it->second);
        func.walk([&](func::ReturnOp ret) {
          Value v = ret.getOperand(i);
          if (v == arg) {
            ++numInPlace;
            return;
          }
          OpBuilder b(ret);
          memref::CopyOp::create(b, ret.getLoc(), v, arg);
          ++numCopied;
        });
        drop.set(i);
      }
      if (drop.none())
        continue;
      func.walk([&](func::ReturnOp ret) { ret->eraseOperands(drop); });
      if (failed(func.eraseResults(drop)))
        return signalPassFailure();
    }
  }
};
} // namespace
