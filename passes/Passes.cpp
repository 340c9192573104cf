//===- Passes.cpp - hybridc pass and pipeline registration ----------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir {
namespace hybrid {
namespace {
#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"
} // namespace

void registerHybridPasses() { registerHybridcPasses(); }

} // namespace hybrid
} // namespace mlir
