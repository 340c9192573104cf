//===- Transforms/Passes.h - the raising/fusion passes and the generic linalg-level transforms -*- C++ -*-===//
//
// Declarations of the raising/fusion passes and the generic linalg-level transforms (Transforms/Passes.td): their create functions, option
// structs and registerHybridTransformsPasses().
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TRANSFORMS_PASSES_H
#define HYBRIDC_PASSES_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace hybrid {

#define GEN_PASS_DECL
#include "passes/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Transforms/Passes.h.inc"

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_TRANSFORMS_PASSES_H
