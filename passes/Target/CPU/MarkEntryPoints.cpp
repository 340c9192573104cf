//===- MarkEntryPoints.cpp - C interfaces for a CPU artifact's entries ----===//
//
// The CPU artifact calls each entry point through MLIR's C interface
// wrapper (one memref descriptor pointer per argument), which
// convert-func-to-llvm emits for functions marked llvm.emit_c_interface.
// Marking them is the CPU's calling convention, so it is a CPU pass; the
// manifest pass that every target runs does not touch it.
//
//===----------------------------------------------------------------------===//

#include "passes/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

#define DEBUG_TYPE "hybrid-cpu-mark-entry-points"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDCPUMARKENTRYPOINTSPASS
#include "passes/Target/CPU/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;

namespace {
struct HybridCPUMarkEntryPointsPass
    : mlir::hybrid::impl::HybridCPUMarkEntryPointsPassBase<
          HybridCPUMarkEntryPointsPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && func.isPublic())
        func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                      UnitAttr::get(&getContext()));
  }
};
} // namespace
