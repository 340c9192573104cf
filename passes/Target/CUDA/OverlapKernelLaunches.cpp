//===- OverlapKernelLaunches.cpp - kernels that wait for the prior grid ---===//
//
// See the pass description (Passes.td). The runtime launches the kernels of
// a module so marked with programmatic stream serialization: the launch of
// kernel i + 1 overlaps the tail of kernel i, and kernel i + 1 waits at its
// entry, so no kernel reads or writes memory before the one before it is
// done.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridDialect.h"
#include "passes/Target/CUDA/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDCUDAOVERLAPKERNELLAUNCHESPASS
#include "passes/Target/CUDA/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// The major compute capability of an "sm_XY[a]" chip, or 0.
int chipMajor(StringRef chip) {
  if (!chip.consume_front("sm_"))
    return 0;
  unsigned number = 0;
  if (chip.consumeInteger(10, number))
    return 0;
  return int(number / 10);
}

struct HybridCUDAOverlapKernelLaunchesPass
    : mlir::hybrid::impl::HybridCUDAOverlapKernelLaunchesPassBase<
          HybridCUDAOverlapKernelLaunchesPass> {
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    // griddepcontrol is sm_90 and later: every target of the module must
    // have it (one chip per module here).
    ArrayAttr targets = module.getTargetsAttr();
    if (!targets || targets.empty())
      return;
    for (Attribute target : targets) {
      auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(target);
      if (!nvvm || chipMajor(nvvm.getChip()) < 9)
        return;
    }
    MLIRContext *ctx = &getContext();
    for (auto kernel : module.getOps<gpu::GPUFuncOp>()) {
      if (!kernel.isKernel())
        continue;
      OpBuilder b = OpBuilder::atBlockBegin(&kernel.getBody().front());
      Location loc = kernel.getLoc();
      NVVM::GriddepcontrolOp::create(
          b, loc, NVVM::GridDepActionKind::launch_dependents);
      NVVM::GriddepcontrolOp::create(b, loc, NVVM::GridDepActionKind::wait);
    }
    getHybridDialect(ctx)->getWaitsForPriorGridAttrHelper().setAttr(
        module, UnitAttr::get(ctx));
  }
};

} // namespace
