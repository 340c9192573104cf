//===- ExpandStridedCopies.cpp - strided memref.copy as loops -------------===//
//
// finalize-memref-to-llvm turns a memref.copy between contiguous buffers into
// llvm.memcpy and any other into a call to `memrefCopy` from MLIR's C runner
// utils, which walks the elements one by one through generic index
// arithmetic and links the artifact against libMLIR.so and libLLVM.so at run
// time. Bufferization makes such copies wherever a slice is written into a
// larger buffer (a KV cache row, a scan lane's state row). As linalg.copy
// they become loops with a unit-stride innermost dimension, which the LLVM
// optimizer vectorizes, and the artifact needs only libc, libm and libomp.
//
//===----------------------------------------------------------------------===//

#include "passes/Target/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"

#define DEBUG_TYPE "hybrid-cpu-expand-strided-copies"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDCPUEXPANDSTRIDEDCOPIESPASS
#include "passes/Target/CPU/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;

namespace {

/// The test finalize-memref-to-llvm applies before it emits llvm.memcpy.
bool lowersToMemcpy(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && (memref.getLayout().isIdentity() ||
                    memref::isStaticShapeAndContiguousRowMajor(memref));
}

struct HybridCPUExpandStridedCopiesPass
    : mlir::hybrid::impl::HybridCPUExpandStridedCopiesPassBase<
          HybridCPUExpandStridedCopiesPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<memref::CopyOp> strided;
    getOperation()->walk([&](memref::CopyOp copy) {
      if (!lowersToMemcpy(copy.getSource().getType()) ||
          !lowersToMemcpy(copy.getTarget().getType()))
        strided.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : strided) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }
    numExpanded += strided.size();
  }
};

} // namespace
