//===- HybridDialect.cpp - hybrid dialect -----------------------*- C++ -*-===//

#include "dialect/IR/HybridDialect.h"
#include "dialect/IR/HybridOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::hybrid;

#include "dialect/IR/HybridDialect.cpp.inc"
#include "dialect/IR/HybridEnums.cpp.inc"

void HybridDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "dialect/IR/HybridOps.cpp.inc"
      >();
}
