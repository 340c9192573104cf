//===- HybridDialect.h - hybrid dialect -------------------------*- C++ -*-===//

#ifndef HYBRIDC_DIALECT_IR_HYBRIDDIALECT_H
#define HYBRIDC_DIALECT_IR_HYBRIDDIALECT_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

// The enums and attributes come first: the dialect's generated helpers for
// its discardable attributes (get<Name>AttrHelper) use their types.
#include "dialect/IR/HybridEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/IR/HybridAttrs.h.inc"

#include "dialect/IR/HybridDialect.h.inc"

#include <optional>

namespace mlir {
class FunctionOpInterface;
namespace hybrid {

/// The loaded hybrid dialect of |ctx| (loaded on first use), whose
/// get<Name>AttrHelper()s name and type every contract attribute.
HybridDialect *getHybridDialect(MLIRContext *ctx);

/// The contract attribute of argument or result |index| of an entry point,
/// or null when it has none.
StateAttr getArgState(FunctionOpInterface func, unsigned index);
StateAttr getResultState(FunctionOpInterface func, unsigned index);
ArgRoleAttr getArgRole(FunctionOpInterface func, unsigned index);
ArgRoleAttr getResultRole(FunctionOpInterface func, unsigned index);
WeightBindingAttr getArgWeight(FunctionOpInterface func, unsigned index);

/// The site (layer and part of the model) that |loc| records, if any: the
/// metadata of the first fused location inside it that carries one.
std::optional<SiteAttr> getSite(Location loc);
/// |base| located at layer |layer| (-1: outside the layers) and |part|
/// ("mixer.in_proj"): printed as "layers.3.mixer.in_proj"(base), with the
/// numbers in a #hybrid.site.
Location getSiteLoc(Location base, int64_t layer, StringRef part);

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_DIALECT_IR_HYBRIDDIALECT_H
