//===- Conversion/Passes.h - the conversions out of the hybrid dialect -*- C++ -*-===//
//
// Declarations of the conversions out of the hybrid dialect (Conversion/Passes.td): their create functions, option
// structs and registerHybridConversionPasses().
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_CONVERSION_PASSES_H
#define HYBRIDC_PASSES_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace hybrid {

#define GEN_PASS_DECL
#include "passes/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_CONVERSION_PASSES_H
