//===- ABI/Passes.h - the passes that build the artifact ABI -*- C++ -*-===//
//
// Declarations of the passes that build the artifact ABI, shared by every target (ABI/Passes.td): their create functions, option
// structs and registerHybridABIPasses().
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_ABI_PASSES_H
#define HYBRIDC_PASSES_ABI_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace hybrid {

#define GEN_PASS_DECL
#include "passes/ABI/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/ABI/Passes.h.inc"

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_ABI_PASSES_H
