//===- Passes.h - every hybridc pass ----------------------------*- C++ -*-===//
//
// One include for tools and pipelines that use passes of several folders.
// Each folder declares its own (Transforms/, ABI/, Conversion/, Target/CPU/),
// generated from its Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_PASSES_H
#define HYBRIDC_PASSES_PASSES_H

#include "passes/ABI/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Pipelines.h"
#include "passes/Target/CPU/Passes.h"
#include "passes/Transforms/Passes.h"

namespace mlir {
namespace hybrid {
/// Registers every hybridc pass (Transforms, ABI, Conversion, each target's)
/// and the named pipelines (hybrid-fusion-pipeline and each target's), for
/// hybrid-opt and hybridc.
void registerHybridPasses();
} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_PASSES_H
