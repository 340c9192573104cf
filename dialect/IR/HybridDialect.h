//===- HybridDialect.h - hybrid dialect -------------------------*- C++ -*-===//

#ifndef HYBRIDC_DIALECT_IR_HYBRIDDIALECT_H
#define HYBRIDC_DIALECT_IR_HYBRIDDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialect/IR/HybridDialect.h.inc"

#endif // HYBRIDC_DIALECT_IR_HYBRIDDIALECT_H
