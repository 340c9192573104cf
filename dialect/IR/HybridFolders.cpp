//===- HybridFolders.cpp - folders and canonicalizations of hybrid ops ----===//
//
// What the ops fold to and the canonicalization patterns they register,
// apart from the verifiers (HybridOps.cpp): these change IR, those only
// check it.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::hybrid;

//===----------------------------------------------------------------------===//
// Split
//===----------------------------------------------------------------------===//

LogicalResult SplitOp::fold(FoldAdaptor,
                            SmallVectorImpl<OpFoldResult> &results) {
  if (getNumResults() != 1)
    return failure();
  results.push_back(getInput());
  return success();
}

namespace {
/// concat(split#i, ..., split#j) along the split dimension, for consecutive
/// results used only there, is result i of a split whose pieces i..j are one
/// piece: no copy to re-join what was never apart.
struct MergeConcatOfSplit : OpRewritePattern<tensor::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ConcatOp concat,
                                PatternRewriter &rewriter) const override {
    auto first = dyn_cast<OpResult>(concat.getInputs().front());
    auto split = first ? dyn_cast<SplitOp>(first.getOwner()) : SplitOp();
    if (!split || concat.getInputs().size() < 2 ||
        concat.getDim() != uint64_t(split.getInput().getType().getRank() - 1))
      return failure();
    unsigned begin = first.getResultNumber();
    for (auto [i, input] : llvm::enumerate(concat.getInputs())) {
      auto result = dyn_cast<OpResult>(input);
      if (!result || result.getOwner() != split ||
          result.getResultNumber() != begin + i || !result.hasOneUse())
        return failure();
    }
    unsigned count = concat.getInputs().size();
    ArrayRef<int64_t> sizes = split.getSizes();
    SmallVector<int64_t> merged(sizes.take_front(begin));
    int64_t width = 0;
    for (int64_t size : sizes.slice(begin, count))
      width += size;
    merged.push_back(width);
    llvm::append_range(merged, sizes.drop_front(begin + count));
    SmallVector<Type> types;
    for (Value r : split.getResults().take_front(begin))
      types.push_back(r.getType());
    types.push_back(concat.getType());
    for (Value r : split.getResults().drop_front(begin + count))
      types.push_back(r.getType());
    // At the split, not at the concat: pieces outside the joined range may
    // be used between the two.
    rewriter.setInsertionPoint(split);
    auto joined = SplitOp::create(rewriter, split.getLoc(), types,
                                  split.getInput(),
                                  rewriter.getDenseI64ArrayAttr(merged));
    rewriter.replaceOp(concat, joined.getResult(begin));
    // Pieces before and after keep their users; the joined ones had only the
    // concat.
    for (unsigned i = 0; i < split.getNumResults(); ++i)
      if (i < begin || i >= begin + count)
        rewriter.replaceAllUsesWith(
            split.getResult(i),
            joined.getResult(i < begin ? i : i - count + 1));
    rewriter.eraseOp(split);
    return success();
  }
};
} // namespace

void SplitOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<MergeConcatOfSplit>(context);
}

//===----------------------------------------------------------------------===//
// Scale
//===----------------------------------------------------------------------===//

OpFoldResult ScaleOp::fold(FoldAdaptor) {
  // scale(x, 1) = x.
  if (getFactor().convertToDouble() == 1.0)
    return getInput();
  // scale(scale(x, a), b) = scale(x, a * b): update in place.
  if (auto inner = getInput().getDefiningOp<ScaleOp>()) {
    double product =
        inner.getFactor().convertToDouble() * getFactor().convertToDouble();
    setFactorAttr(FloatAttr::get(Float64Type::get(getContext()), product));
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

