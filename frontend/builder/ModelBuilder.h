//===- ModelBuilder.h - ModelSpec to hybrid IR ------------------*- C++ -*-===//
//
// Builds the `hybrid` IR of a model: a module with `@prefill` (tokens of
// every sequence -> logits of every position) and `@decode` (one token per
// sequence -> its logits), each taking the state buffers as arguments and
// returning the updated state (docs/ABI.md fixes the calling convention).
//
// Family differences are emitted as small ops (scales, activations, extra
// norms), never as flags on big ops: the fusion passes match by structure.
// The implementation is split by concept; BuilderCore.h lists the files.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_BUILDER_MODELBUILDER_H
#define HYBRIDC_FRONTEND_BUILDER_MODELBUILDER_H

#include "frontend/ModelSpec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>
#include <string>

namespace hybrid::frontend {

struct BuildOptions {
  int64_t maxSeq = 4096;
  /// Storage type of every weight in the IR; the runtime converts the
  /// checkpoint's tensors to it when they differ.
  std::optional<DType> weightDtype;
};

/// Builds the module, or returns null after emitting an error naming the
/// unsupported feature at `loc`'s file.
mlir::OwningOpRef<mlir::ModuleOp> buildModel(mlir::MLIRContext &context,
                                             const ModelSpec &spec,
                                             const BuildOptions &options,
                                             std::string &error);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_BUILDER_MODELBUILDER_H
