//===- FoldScales.cpp - constant multipliers into projections -------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-fold-scales"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFOLDSCALESPASS
#include "passes/Transforms/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// Multiplies the output_scale of a linear, a gated MLP or an embedding by
/// `factor`.
template <typename OpTy>
void multiplyOutputScale(PatternRewriter &rewriter, OpTy op, double factor) {
  double scale = op.getOutputScale().convertToDouble() * factor;
  rewriter.modifyOpInPlace(
      op, [&] { op.setOutputScaleAttr(rewriter.getF64FloatAttr(scale)); });
}

/// scale(linear(...), c) -> linear(...) {output_scale *= c}, and the same
/// for a gated MLP (its down projection's epilogue) and an embedding (muP's
/// embedding multiplier, applied as the rows are gathered).
struct FoldScaleAfterLinear : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp scale,
                                PatternRewriter &rewriter) const override {
    Operation *producer = scale.getInput().getDefiningOp();
    if (!producer || !isa<LinearOp, GatedMLPOp, EmbeddingOp>(producer) ||
        !producer->hasOneUse())
      return rewriter.notifyMatchFailure(scale, "not a single-use linear, "
                                                "gated MLP or embedding");
    double factor = scale.getFactor().convertToDouble();
    if (auto linear = dyn_cast<LinearOp>(producer))
      multiplyOutputScale(rewriter, linear, factor);
    else if (auto mlp = dyn_cast<GatedMLPOp>(producer))
      multiplyOutputScale(rewriter, mlp, factor);
    else
      multiplyOutputScale(rewriter, cast<EmbeddingOp>(producer), factor);
    rewriter.replaceOp(scale, scale.getInput());
    return success();
  }
};

/// The piecewise-constant multiplier of a linear's output features, as
/// (end of section, scale) pairs in feature order.
using Sections = SmallVector<std::pair<int64_t, double>>;

Sections sectionsOf(LinearOp linear, int64_t features) {
  Sections s;
  std::optional<ArrayRef<int64_t>> sizes = linear.getSectionSizes();
  if (!sizes)
    return {{features, 1.0}};
  int64_t end = 0;
  for (auto [size, scale] : llvm::zip(*sizes, *linear.getSectionScales()))
    s.push_back({end += size, scale});
  return s;
}

/// The product of two piecewise-constant multipliers over the same features.
Sections multiply(const Sections &a, const Sections &b) {
  Sections out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    int64_t end = std::min(a[i].first, b[j].first);
    double scale = a[i].second * b[j].second;
    if (!out.empty() && out.back().second == scale)
      out.back().first = end; // adjacent sections with one scale merge
    else
      out.push_back({end, scale});
    if (a[i].first == end)
      ++i;
    if (b[j].first == end)
      ++j;
  }
  return out;
}

/// scale(split(linear(...))#i, c_i) for some pieces i -> the linear with
/// section scales c_i over those pieces' features: the multipliers of
/// sections of one projection (Falcon-H1's ssm_multipliers on the Mamba
/// in_proj's z, x, B, C, dt; its key multiplier on a merged Q/K/V).
struct FoldScalesAfterSplitLinear : OpRewritePattern<SplitOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SplitOp split,
                                PatternRewriter &rewriter) const override {
    auto linear = split.getInput().getDefiningOp<LinearOp>();
    if (!linear || !linear->hasOneUse())
      return rewriter.notifyMatchFailure(split, "not a single-use linear");
    int64_t features = split.getInput().getType().getShape().back();
    if (ShapedType::isDynamic(features))
      return rewriter.notifyMatchFailure(split, "dynamic feature count");
    Sections pieces;
    SmallVector<ScaleOp> scales;
    int64_t end = 0;
    for (auto [size, piece] : llvm::zip(split.getSizes(), split.getResults())) {
      ScaleOp scale;
      if (piece.hasOneUse())
        scale = dyn_cast<ScaleOp>(*piece.getUsers().begin());
      pieces.push_back(
          {end += size, scale ? scale.getFactor().convertToDouble() : 1.0});
      if (scale)
        scales.push_back(scale);
    }
    if (scales.empty())
      return rewriter.notifyMatchFailure(split, "no scaled piece");
    Sections merged = multiply(sectionsOf(linear, features), pieces);
    rewriter.modifyOpInPlace(linear, [&] {
      if (merged.size() == 1) {
        // One multiplier for every feature: the uniform output_scale.
        linear.setOutputScaleAttr(rewriter.getF64FloatAttr(
            linear.getOutputScale().convertToDouble() * merged[0].second));
        linear.removeSectionSizesAttr();
        linear.removeSectionScalesAttr();
        return;
      }
      SmallVector<int64_t> sizes;
      SmallVector<double> factors;
      int64_t begin = 0;
      for (auto [sectionEnd, factor] : merged) {
        sizes.push_back(sectionEnd - begin);
        factors.push_back(factor);
        begin = sectionEnd;
      }
      linear.setSectionSizes(sizes);
      linear.setSectionScales(factors);
    });
    for (ScaleOp scale : scales)
      rewriter.replaceOp(scale, scale.getInput());
    return success();
  }
};

/// linear(scale(x, c), W) for every user -> linear(x, W) {output_scale *= c}.
struct FoldScaleBeforeLinears : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp scale,
                                PatternRewriter &rewriter) const override {
    if (scale->use_empty())
      return failure();
    SmallVector<LinearOp> users;
    for (OpOperand &use : scale->getUses()) {
      auto linear = dyn_cast<LinearOp>(use.getOwner());
      // c·(x W) + b differs from (c·x) W + b: only bias-free linears.
      if (!linear || use.getOperandNumber() != 0 || linear.getBias())
        return rewriter.notifyMatchFailure(scale, "a user is not a bias-free "
                                                  "linear reading it as input");
      users.push_back(linear);
    }
    double factor = scale.getFactor().convertToDouble();
    for (LinearOp linear : users) {
      multiplyOutputScale(rewriter, linear, factor);
      rewriter.modifyOpInPlace(linear, [&] {
        linear.getInputMutable().assign(scale.getInput());
      });
    }
    rewriter.eraseOp(scale);
    return success();
  }
};

struct HybridFoldScalesPass
    : mlir::hybrid::impl::HybridFoldScalesPassBase<HybridFoldScalesPass> {
  using Base::Base;
  void runOnOperation() override {
    int64_t before = 0, after = 0;
    getOperation()->walk([&](ScaleOp) { ++before; });
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldScaleAfterLinear, FoldScalesAfterSplitLinear,
                 FoldScaleBeforeLinears>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([&](ScaleOp) { ++after; });
    numFolded += before - after;
  }
};

} // namespace
