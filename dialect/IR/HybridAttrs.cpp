//===- HybridAttrs.cpp - the typed contract of the hybrid dialect ---------===//
//
// The attributes of HybridAttrs.td, their verifiers, and the dialect hooks
// that check each discardable attribute where it is attached: a state or
// role on an entry point's argument, a GEMM epilogue on an op, the model and
// manifest on a module.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridDialect.h"
#include "dialect/IR/HybridOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::hybrid;

#define GET_ATTRDEF_CLASSES
#include "dialect/IR/HybridAttrs.cpp.inc"

void HybridDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/IR/HybridAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Attribute verifiers
//===----------------------------------------------------------------------===//

LogicalResult StateAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                StringAttr name, int64_t layer, StateKind,
                                StateScope) {
  if (!name || name.getValue().empty())
    return emitError() << "#hybrid.state needs a non-empty name";
  if (layer < 0)
    return emitError() << "#hybrid.state '" << name.getValue()
                       << "' has layer " << layer << ", expected >= 0";
  return success();
}

LogicalResult
WeightBindingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          StringAttr name, WeightAccess, ArrayAttr parts,
                          DenseI64ArrayAttr partRows) {
  if (!name || name.getValue().empty())
    return emitError() << "#hybrid.weight needs a non-empty name";
  if (static_cast<bool>(parts) != static_cast<bool>(partRows))
    return emitError() << "#hybrid.weight '" << name.getValue()
                       << "': parts and part_rows go together";
  if (!parts)
    return success();
  if (parts.size() != partRows.size())
    return emitError() << "#hybrid.weight '" << name.getValue() << "' has "
                       << parts.size() << " parts but " << partRows.size()
                       << " part_rows";
  for (Attribute part : parts)
    if (!isa<StringAttr>(part))
      return emitError() << "#hybrid.weight '" << name.getValue()
                         << "': parts must be strings";
  for (int64_t rows : partRows.asArrayRef())
    if (rows <= 0)
      return emitError() << "#hybrid.weight '" << name.getValue()
                         << "': part_rows must be positive";
  return success();
}

LogicalResult GemmAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               FloatAttr, DenseI64ArrayAttr sizes,
                               DenseF64ArrayAttr scales, bool) {
  if (static_cast<bool>(sizes) != static_cast<bool>(scales))
    return emitError()
           << "#hybrid.gemm: section_sizes and section_scales go together";
  if (!sizes)
    return success();
  if (sizes.size() != scales.size() || sizes.empty())
    return emitError() << "#hybrid.gemm has " << sizes.size()
                       << " section sizes and " << scales.size()
                       << " section scales";
  for (int64_t size : sizes.asArrayRef())
    if (size <= 0)
      return emitError() << "#hybrid.gemm: section sizes must be positive";
  return success();
}

//===----------------------------------------------------------------------===//
// Where each discardable attribute may stand
//===----------------------------------------------------------------------===//

namespace {
/// Contract attributes of arguments and results stand on functions: the
/// entry points, from tensors to memrefs to LLVM pointers (the lowering
/// carries them along; the ABI passes check the types they need).
LogicalResult checkEntryValue(Operation *op, NamedAttribute attr,
                              StringRef what) {
  if (!isa<FunctionOpInterface>(op))
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' is only valid on function " << what << "s";
  return success();
}
} // namespace

LogicalResult HybridDialect::verifyOperationAttribute(Operation *op,
                                                      NamedAttribute attr) {
  StringAttr name = attr.getName();
  if (name == getModelAttrHelper().getName()) {
    if (!isa<ModelAttr>(attr.getValue()) || !isa<ModuleOp>(op))
      return op->emitError() << "'" << name.getValue()
                             << "' must be a #hybrid.model on a module";
    return success();
  }
  if (name == getManifestAttrHelper().getName()) {
    if (!isa<StringAttr>(attr.getValue()) || !isa<ModuleOp>(op))
      return op->emitError() << "'" << name.getValue()
                             << "' must be a string on a module";
    return success();
  }
  if (name == getGemmAttrHelper().getName()) {
    if (!isa<GemmAttr>(attr.getValue()))
      return op->emitError() << "'" << name.getValue()
                             << "' must be a #hybrid.gemm";
    return success();
  }
  if (name == getWaitsForPriorGridAttrHelper().getName()) {
    if (!isa<UnitAttr>(attr.getValue()) || op->getName().getStringRef() !=
                                               "gpu.module")
      return op->emitError() << "'" << name.getValue()
                             << "' must be a unit attribute on a gpu.module";
    return success();
  }
  if (name == getStateAttrHelper().getName() ||
      name == getRoleAttrHelper().getName() ||
      name == getWeightAttrHelper().getName())
    return op->emitError() << "'" << name.getValue()
                           << "' belongs on a function argument or result";
  return op->emitError() << "unknown hybrid attribute '" << name.getValue()
                         << "'";
}

LogicalResult HybridDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                      unsigned argIndex,
                                                      NamedAttribute attr) {
  StringAttr name = attr.getName();
  bool typed =
      (name == getStateAttrHelper().getName() && isa<StateAttr>(attr.getValue())) ||
      (name == getRoleAttrHelper().getName() && isa<ArgRoleAttr>(attr.getValue())) ||
      (name == getWeightAttrHelper().getName() &&
       isa<WeightBindingAttr>(attr.getValue()));
  if (!typed)
    return op->emitError() << "argument #" << argIndex << ": '"
                           << name.getValue()
                           << "' must be a #hybrid.state, #hybrid.role or "
                              "#hybrid.weight under its own name";
  // Output roles are arguments too once bufferization has made results
  // out-params (buffer-results-to-out-params keeps their attributes).
  return checkEntryValue(op, attr, "argument");
}

LogicalResult HybridDialect::verifyRegionResultAttribute(Operation *op,
                                                         unsigned,
                                                         unsigned resultIndex,
                                                         NamedAttribute attr) {
  StringAttr name = attr.getName();
  bool typed =
      (name == getStateAttrHelper().getName() && isa<StateAttr>(attr.getValue())) ||
      (name == getRoleAttrHelper().getName() && isa<ArgRoleAttr>(attr.getValue()));
  if (!typed)
    return op->emitError() << "result #" << resultIndex << ": '"
                           << name.getValue()
                           << "' must be a #hybrid.state or #hybrid.role "
                              "under its own name";
  if (auto role = dyn_cast<ArgRoleAttr>(attr.getValue());
      role && (role.getValue() == ArgRole::tokens ||
               role.getValue() == ArgRole::position ||
               role.getValue() == ArgRole::embeds ||
               role.getValue() == ArgRole::depth_tokens))
    return op->emitError() << "result #" << resultIndex << " has input role "
                           << stringifyArgRole(role.getValue());
  return checkEntryValue(op, attr, "result");
}

//===----------------------------------------------------------------------===//
// Accessors
//===----------------------------------------------------------------------===//

namespace mlir::hybrid {

HybridDialect *getHybridDialect(MLIRContext *ctx) {
  return ctx->getOrLoadDialect<HybridDialect>();
}

StateAttr getArgState(FunctionOpInterface func, unsigned index) {
  return func.getArgAttrOfType<StateAttr>(
      index, getHybridDialect(func->getContext())->getStateAttrHelper().getName());
}
StateAttr getResultState(FunctionOpInterface func, unsigned index) {
  return func.getResultAttrOfType<StateAttr>(
      index, getHybridDialect(func->getContext())->getStateAttrHelper().getName());
}
ArgRoleAttr getArgRole(FunctionOpInterface func, unsigned index) {
  return func.getArgAttrOfType<ArgRoleAttr>(
      index, getHybridDialect(func->getContext())->getRoleAttrHelper().getName());
}
ArgRoleAttr getResultRole(FunctionOpInterface func, unsigned index) {
  return func.getResultAttrOfType<ArgRoleAttr>(
      index, getHybridDialect(func->getContext())->getRoleAttrHelper().getName());
}
WeightBindingAttr getArgWeight(FunctionOpInterface func, unsigned index) {
  return func.getArgAttrOfType<WeightBindingAttr>(
      index,
      getHybridDialect(func->getContext())->getWeightAttrHelper().getName());
}

std::optional<SiteAttr> getSite(Location loc) {
  std::optional<SiteAttr> found;
  loc->walk([&](Location inner) {
    if (auto fused = dyn_cast<FusedLoc>(inner))
      if (auto site = dyn_cast_or_null<SiteAttr>(fused.getMetadata())) {
        found = site;
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return found;
}

Location getSiteLoc(Location base, int64_t layer, StringRef part) {
  MLIRContext *ctx = base->getContext();
  std::string name =
      layer >= 0 ? ("layers." + Twine(layer) + (part.empty() ? "" : ".") + part)
                       .str()
                 : part.str();
  return FusedLoc::get(ctx, {NameLoc::get(StringAttr::get(ctx, name), base)},
                       SiteAttr::get(ctx, layer, StringAttr::get(ctx, part)));
}

} // namespace mlir::hybrid
