//===- Target/CPU/Passes.h - the CPU target's passes -*- C++ -*-===//
//
// Declarations of the CPU target's passes (Target/CPU/Passes.td): their create functions, option
// structs and registerHybridCPUPasses().
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TARGET_CPU_PASSES_H
#define HYBRIDC_PASSES_TARGET_CPU_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace hybrid {

#define GEN_PASS_DECL
#include "passes/Target/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Target/CPU/Passes.h.inc"

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_TARGET_CPU_PASSES_H
