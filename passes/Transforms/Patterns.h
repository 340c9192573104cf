//===- Patterns.h - rewrite patterns shared between passes ------*- C++ -*-===//

#ifndef HYBRIDC_PASSES_TRANSFORMS_PATTERNS_H
#define HYBRIDC_PASSES_TRANSFORMS_PATTERNS_H

#include "dialect/IR/HybridOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

#include <utility>

namespace mlir {
namespace hybrid {

/// hybrid.gated_mlp, add_rms_norm, add_layer_norm and linear_argmax into
/// their parts.
void populateDecomposeFusedOpsPatterns(RewritePatternSet &patterns);

/// The factor of `mul` that is a single-use hybrid.activation accepted by
/// `accept`, and the other factor, trying the left factor first (a product
/// commutes, so the raising passes accept either order); a null activation
/// when neither factor qualifies.
inline std::pair<ActivationOp, Value>
activatedFactor(arith::MulFOp mul, function_ref<bool(ActivationOp)> accept) {
  for (unsigned i = 0; i < 2; ++i) {
    auto act = mul->getOperand(i).getDefiningOp<ActivationOp>();
    if (act && act->hasOneUse() && accept(act))
      return {act, mul->getOperand(1 - i)};
  }
  return {ActivationOp(), Value()};
}

/// `activatedFactor` for one activation kind.
inline std::pair<ActivationOp, Value> activatedFactor(arith::MulFOp mul,
                                                      ActivationKind kind) {
  return activatedFactor(
      mul, [kind](ActivationOp act) { return act.getKind() == kind; });
}

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_TRANSFORMS_PATTERNS_H
