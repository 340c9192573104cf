//===- EmitEntryPoints.cpp - exported symbols of a CPU artifact -----------===//
//
// The runtime calls every entry point the same way,
// `void f(void **args, const hyb_env_t *env)`, whatever its arity
// (docs/ABI.md, runtime/include/hybrid/abi.h): no libffi, no per-model glue.
// CPU code needs nothing from the environment and ignores |env|; the host
// code of a CUDA artifact takes it as its last argument.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridDialect.h"
#include "passes/Target/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

#define DEBUG_TYPE "hybrid-cpu-emit-entry-points"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDCPUEMITENTRYPOINTSPASS
#include "passes/Target/CPU/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct HybridCPUEmitEntryPointsPass
    : mlir::hybrid::impl::HybridCPUEmitEntryPointsPassBase<
          HybridCPUEmitEntryPointsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    Location loc = module.getLoc();

    SmallVector<LLVM::LLVMFuncOp> ifaces;
    for (auto f : module.getOps<LLVM::LLVMFuncOp>())
      if (f.getName().starts_with("_mlir_ciface_") && !f.isExternal())
        ifaces.push_back(f);
    for (LLVM::LLVMFuncOp iface : ifaces) {
      StringRef name = iface.getName().drop_front(strlen("_mlir_ciface_"));
      auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                              {ptr, ptr});
      auto entry = LLVM::LLVMFuncOp::create(
          b, loc, ("hybrid_entry_" + name).str(), type);
      Block *block = entry.addEntryBlock(b);
      OpBuilder body = OpBuilder::atBlockBegin(block);
      SmallVector<Value> operands;
      unsigned descriptors = iface.getNumArguments();
      if (environmentArgument) {
        if (descriptors == 0) {
          iface.emitError("expected the environment as the last argument");
          return signalPassFailure();
        }
        --descriptors;
      }
      for (unsigned i = 0; i < descriptors; ++i) {
        if (!isa<LLVM::LLVMPointerType>(iface.getArgumentTypes()[i])) {
          iface.emitError("expected descriptor pointers only");
          return signalPassFailure();
        }
        Value slot = LLVM::GEPOp::create(
            body, loc, ptr, ptr, block->getArgument(0),
            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
        operands.push_back(LLVM::LoadOp::create(body, loc, ptr, slot));
      }
      if (environmentArgument)
        operands.push_back(block->getArgument(1));
      LLVM::CallOp::create(body, loc, iface, operands);
      LLVM::ReturnOp::create(body, loc, ValueRange{});
    }

    auto helper = getHybridDialect(ctx)->getManifestAttrHelper();
    StringAttr manifest = helper.getAttr(module);
    if (!manifest) {
      module.emitError() << "no " << helper.getName().getValue()
                         << ": run hybrid-build-manifest first";
      return signalPassFailure();
    }
    std::string text = manifest.getValue().str();
    text.push_back('\0');
    auto arrayType = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8),
                                              text.size());
    auto global = LLVM::GlobalOp::create(
        b, loc, arrayType, /*isConstant=*/true, LLVM::Linkage::Internal,
        "hybrid_manifest_text", b.getStringAttr(text));
    auto getter = LLVM::LLVMFuncOp::create(
        b, loc, "hybrid_artifact_manifest",
        LLVM::LLVMFunctionType::get(ptr, {}));
    OpBuilder body = OpBuilder::atBlockBegin(getter.addEntryBlock(b));
    Value address = LLVM::AddressOfOp::create(body, loc, global);
    LLVM::ReturnOp::create(body, loc, address);
  }
};
} // namespace
