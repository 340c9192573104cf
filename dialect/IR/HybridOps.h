//===- HybridOps.h - hybrid dialect ops -------------------------*- C++ -*-===//

#ifndef HYBRIDC_DIALECT_IR_HYBRIDOPS_H
#define HYBRIDC_DIALECT_IR_HYBRIDOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/IR/HybridDialect.h"

#define GET_OP_CLASSES
#include "dialect/IR/HybridOps.h.inc"

#endif // HYBRIDC_DIALECT_IR_HYBRIDOPS_H
