//===- PointwisePatterns.cpp - activation, scale --------------------------===//
//
// Lowers the stateless pointwise hybrid ops to an elementwise linalg.generic
// over their input.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

struct LowerActivation : OpRewritePattern<ActivationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getInput();
    ActivationKind kind = op.getKind();
    Value result = mapElements(
        rewriter, op.getLoc(), x, elementTypeOf(x), ValueRange{x},
        {identityMap(rewriter.getContext(), rankOf(x))},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return applyActivation(b, l, kind, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerScale : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getInput();
    double factor = op.getFactor().convertToDouble();
    Value result = mapElements(
        rewriter, op.getLoc(), x, elementTypeOf(x), ValueRange{x},
        {identityMap(rewriter.getContext(), rankOf(x))},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::MulFOp::create(
              b, l, args[0], floatConst(b, l, args[0].getType(), factor));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::hybrid::populateHybridToLinalgPointwisePatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerActivation, LowerScale>(patterns.getContext());
}
