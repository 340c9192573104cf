//===- hybrid-opt.cpp - mlir-opt with the hybrid dialect and passes -------===//
//
// Everything upstream's mlir-opt registers, plus the hybrid dialect, every
// hybridc pass and the named hybridc pipelines, so that any stage of the
// compiler can be replayed and inspected (--mlir-print-ir-after-all,
// --pass-pipeline, --mlir-timing work as upstream).
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::hybrid::registerHybridPasses();

  mlir::DialectRegistry registry;
  registry.insert<mlir::hybrid::HybridDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "hybridc modular optimizer driver\n", registry));
}
