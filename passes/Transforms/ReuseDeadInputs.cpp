//===- ReuseDeadInputs.cpp - elementwise results into dying inputs --------===//
//
// The CPU lowering writes every elementwise linalg.generic into a fresh
// tensor.empty, and one-shot bufferization gives each of those a buffer of
// its own, while convert-elementwise-to-linalg (the unfused ops' path)
// writes its result over an input of the same type. So a fused op (a gated
// norm: gate, sum of squares, normalize) held one more [T, D] buffer than
// the ops it replaced, and prefill paid for it in cache. Here an
// elementwise generic whose destination is a tensor.empty takes instead an
// input that it reads at the same index and that dies there: bufferization
// then updates that buffer in place (through a reshape too: a gated norm
// reads the product as [T, G, D/G]).
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#define DEBUG_TYPE "hybrid-reuse-dead-inputs"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDREUSEDEADINPUTSPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;

namespace {

/// Whether every user of `v` but `except` is (inside) an op before `op` in
/// `op`'s block.
bool readOnlyBefore(Value v, Operation *op, Operation *except) {
  for (Operation *user : v.getUsers()) {
    if (user == except)
      continue;
    Operation *ancestor = op->getBlock()->findAncestorOpInBlock(*user);
    if (!ancestor || !ancestor->isBeforeInBlock(op))
      return false;
  }
  return true;
}

/// Whether nothing reads `v` after `op`, which uses it once.
bool diesAt(Value v, Operation *op) {
  return llvm::count(op->getOperands(), v) == 1 &&
         readOnlyBefore(v, op, op);
}

/// Whether `v` is, through reshapes (views of one buffer) that nothing reads
/// after `op`, the result of a linalg op: a buffer of its own. A function
/// argument or a view of one would make bufferization copy it first.
bool ownsItsBuffer(Value v, Operation *op) {
  while (true) {
    Operation *def = v.getDefiningOp();
    if (!def)
      return false;
    if (isa<linalg::LinalgOp>(def))
      return true;
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      return false;
    v = def->getOperand(0);
    if (!readOnlyBefore(v, op, def))
      return false;
  }
}

/// The input of `op` that its result can overwrite, or null: read at the
/// output's index, of the output's type, read by nothing after `op`, and
/// owning its buffer (a gated norm's grouped view of the gated product
/// qualifies once its sum of squares is taken).
OpOperand *reusableInput(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0)
    return nullptr;
  OpOperand *init = op.getDpsInitOperand(0);
  if (!init->get().getDefiningOp<tensor::EmptyOp>() ||
      op.payloadUsesValueFromOperand(init))
    return nullptr;
  AffineMap outMap = op.getMatchingIndexingMap(init);
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value v = input->get();
    if (v.getType() != init->get().getType() || !diesAt(v, op) ||
        op.getMatchingIndexingMap(input) != outMap || !ownsItsBuffer(v, op))
      continue;
    return input;
  }
  return nullptr;
}

struct HybridReuseDeadInputsPass
    : mlir::hybrid::impl::HybridReuseDeadInputsPassBase<
          HybridReuseDeadInputsPass> {
  using Base::Base;
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation()->walk([&](linalg::GenericOp op) {
      OpOperand *input = reusableInput(op);
      if (!input)
        return;
      Value dying = input->get();
      rewriter.modifyOpInPlace(
          op, [&] { op.getDpsInitOperand(0)->set(dying); });
      ++numReused;
    });
  }
};

} // namespace
