//===- Passes.h - hybridc passes and pipelines ------------------*- C++ -*-===//

#ifndef HYBRIDC_PASSES_PASSES_H
#define HYBRIDC_PASSES_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace hybrid {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Registers every hybridc pass and named pipeline with the global registry
/// (hybrid-opt, hybridc).
void registerHybridPasses();

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_PASSES_H
