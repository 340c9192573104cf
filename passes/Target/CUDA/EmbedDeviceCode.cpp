//===- EmbedDeviceCode.cpp - the kernels into the host library ------------===//
//
// The CUDA target owns its serialization (as IREE's target backends do):
// the gpu.module, lowered to NVVM, is compiled through its #nvvm.target to
// a cubin for the target's arch (ptxas from the CUDA toolkit), keeping the
// PTX it assembled (which the driver can JIT for any later GPU); both go
// into the host library as constant data behind two functions of docs/ABI.md:
//   const void *hybrid_cuda_cubin(uint64_t *size);
//   const char *hybrid_cuda_ptx(void);
// The manifest's target gains the arch, the PTX version and the kernel
// table (passes/Target/CUDA/KernelTable.h); the gpu.module is then erased,
// leaving host code only.
//
//===----------------------------------------------------------------------===//

#include "passes/Target/CUDA/KernelTable.h"
#include "passes/Target/CUDA/Passes.h"

#include "dialect/IR/HybridDialect.h"

#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/JSON.h"

#define DEBUG_TYPE "hybrid-cuda-embed-device-code"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDCUDAEMBEDDEVICECODEPASS
#include "passes/Target/CUDA/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// An internal constant global holding |bytes|.
LLVM::GlobalOp bytesGlobal(OpBuilder &b, Location loc, StringRef name,
                           StringRef bytes) {
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), bytes.size());
  return LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true,
                                LLVM::Linkage::Internal, name,
                                b.getStringAttr(bytes), /*alignment=*/16);
}

struct HybridCUDAEmbedDeviceCodePass
    : mlir::hybrid::impl::HybridCUDAEmbedDeviceCodePassBase<
          HybridCUDAEmbedDeviceCodePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.size() != 1) {
      module.emitError() << "expected one gpu.module of kernels, found "
                         << modules.size();
      return signalPassFailure();
    }
    gpu::GPUModuleOp kernels = modules.front();
    ArrayAttr targets = kernels.getTargetsAttr();
    auto nvvm = targets && targets.size() == 1
                    ? dyn_cast<NVVM::NVVMTargetAttr>(targets[0])
                    : NVVM::NVVMTargetAttr();
    if (!nvvm) {
      kernels.emitError("expected one #nvvm.target (nvvm-attach-target)");
      return signalPassFailure();
    }
    // One compilation to a cubin; the PTX that ptxas assembles comes back
    // through the ISA callback, so NVPTX code generation runs once.
    std::string ptx;
    auto keepPtx = [&](StringRef isa) { ptx = isa.str(); };
    gpu::TargetOptions options(toolkitPath, {}, "", "",
                               gpu::CompilationTarget::Binary, {}, {}, {}, {},
                               keepPtx);
    std::optional<SmallVector<char, 0>> cubin =
        cast<gpu::TargetAttrInterface>(nvvm).serializeToObject(kernels,
                                                               options);
    if (!cubin) {
      kernels.emitError() << "ptxas failed for " << nvvm.getChip()
                          << " (toolkit " << toolkitPath << ")";
      return signalPassFailure();
    }
    if (ptx.empty()) {
      kernels.emitError("PTX generation failed");
      return signalPassFailure();
    }
    SmallVector<StringRef> names = cuda::kernelNames(kernels);

    // The manifest's target: arch, PTX ISA version, kernel table.
    auto helper = getHybridDialect(ctx)->getManifestAttrHelper();
    StringAttr text = helper.getAttr(module);
    if (!text) {
      module.emitError() << "no " << helper.getName().getValue()
                         << ": run hybrid-build-manifest first";
      return signalPassFailure();
    }
    llvm::Expected<llvm::json::Value> manifest =
        llvm::json::parse(text.getValue());
    if (!manifest) {
      module.emitError() << "the manifest is not JSON: "
                         << llvm::toString(manifest.takeError());
      return signalPassFailure();
    }
    llvm::json::Object *target =
        manifest->getAsObject()->getObject("target");
    (*target)["arch"] = nvvm.getChip().str();
    int64_t ptxVersion = 0;
    StringRef features = nvvm.getFeatures();
    if (features.consume_front("+ptx"))
      features.getAsInteger(10, ptxVersion);
    (*target)["ptx_version"] = ptxVersion;
    llvm::json::Array kernelNames;
    for (StringRef name : names)
      kernelNames.push_back(name.str());
    (*target)["kernels"] = std::move(kernelNames);
    if (getHybridDialect(ctx)->getWaitsForPriorGridAttrHelper().isAttrPresent(
            kernels))
      (*target)["kernels_wait_for_prior_grid"] = true;
    std::string updated;
    llvm::raw_string_ostream os(updated);
    os << *manifest;
    helper.setAttr(module, StringAttr::get(ctx, updated));

    kernels.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = module.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto cubinData = bytesGlobal(b, loc, "hybrid_cuda_cubin_data",
                                 StringRef(cubin->data(), cubin->size()));
    std::string ptxText = ptx;
    if (ptxText.back() != '\0')
      ptxText.push_back('\0');
    auto ptxData = bytesGlobal(b, loc, "hybrid_cuda_ptx_text", ptxText);

    auto cubinFn = LLVM::LLVMFuncOp::create(
        b, loc, "hybrid_cuda_cubin", LLVM::LLVMFunctionType::get(ptr, {ptr}));
    {
      OpBuilder body = OpBuilder::atBlockBegin(cubinFn.addEntryBlock(b));
      Value size = LLVM::ConstantOp::create(
          body, loc, body.getI64Type(),
          body.getI64IntegerAttr(int64_t(cubin->size())));
      LLVM::StoreOp::create(body, loc, size, cubinFn.getArgument(0));
      LLVM::ReturnOp::create(body, loc,
                             LLVM::AddressOfOp::create(body, loc, cubinData)
                                 .getResult());
    }
    auto ptxFn = LLVM::LLVMFuncOp::create(b, loc, "hybrid_cuda_ptx",
                                          LLVM::LLVMFunctionType::get(ptr, {}));
    {
      OpBuilder body = OpBuilder::atBlockBegin(ptxFn.addEntryBlock(b));
      LLVM::ReturnOp::create(
          body, loc, LLVM::AddressOfOp::create(body, loc, ptxData).getResult());
    }
  }
};

} // namespace
