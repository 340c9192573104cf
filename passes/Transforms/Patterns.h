//===- Patterns.h - rewrite patterns shared between passes ------*- C++ -*-===//

#ifndef HYBRIDC_PASSES_TRANSFORMS_PATTERNS_H
#define HYBRIDC_PASSES_TRANSFORMS_PATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace hybrid {

/// hybrid.gated_mlp, add_rms_norm, add_layer_norm and linear_argmax into
/// their parts.
void populateDecomposeFusedOpsPatterns(RewritePatternSet &patterns);

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_TRANSFORMS_PATTERNS_H
