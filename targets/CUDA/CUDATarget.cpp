//===- CUDATarget.cpp - the CUDA target backend ---------------------------===//
//
// A CUDA artifact is a host library like the CPU's (targets/HostCodegen)
// whose code launches kernels through the runtime, with the kernels inside
// it as a cubin for --gpu-arch and as PTX (hybrid-cuda-embed-device-code).
// Nothing here needs a GPU or a driver: ptxas from the CUDA toolkit is the
// only tool, so CI builds CUDA artifacts on machines without a GPU.
//
//===----------------------------------------------------------------------===//

#include "targets/CUDA/CUDATarget.h"
#include "targets/HostCodegen.h"
#include "targets/OutputFile.h"

#include "passes/Target/CUDA/Pipelines.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/FileSystem.h"

using namespace llvm;

namespace hybrid::target {
namespace {

class CUDATargetBackend final : public TargetBackend {
public:
  explicit CUDATargetBackend(const TargetOptions &options)
      : options(options) {}

  StringRef name() const override { return "cuda"; }

  bool supports(EmitKind) const override { return true; }

  void buildLoweringPipeline(mlir::OpPassManager &pm,
                             const mlir::hybrid::FusionOptions &fusion,
                             std::string &stage) override {
    if (!options.cudaPipelineOptions.empty() &&
        failed(pipeline.parseFromString(options.cudaPipelineOptions,
                                        llvm::nulls())))
      llvm::report_fatal_error("--cuda-pipeline-options: checked by hybridc");
    pipeline.fusion.copyFrom(fusion);
    // The greedy head stays a GEMM (cuBLASLt) and an argmax: its fused form
    // is the CPU's cache blocking.
    pipeline.fusion.disable("linear-argmax");
    // Gate and up stay two projections of one input, which
    // hybrid-merge-projections packs into one GEMM: a decode step then
    // streams both in one GEMV (the raised form is two GEMMs on the GPU).
    pipeline.fusion.disable("gated-mlp");
    if (!options.gpuArch.empty())
      pipeline.chip = options.gpuArch;
    if (!options.cudaToolkit.empty())
      pipeline.toolkit = options.cudaToolkit;
    mlir::hybrid::buildHybridCUDAKernelsPipeline(pm, pipeline);
    stage = "hybrid-cuda-kernels-pipeline";
  }

  void buildTranslationPipeline(mlir::OpPassManager &pm,
                                std::string &stage) override {
    mlir::hybrid::buildHybridCUDALLVMPipeline(pm, pipeline);
    stage = "hybrid-cuda-llvm-pipeline (ptxas for " + pipeline.chip + ")";
  }

  mlir::LogicalResult serialize(mlir::ModuleOp module, StringRef moduleName,
                                EmitKind kind, StringRef outputPath) override {
    if (kind != EmitKind::Assembly)
      return host.emit(module, moduleName, kind, outputPath);
    // --emit=ptx: the PTX that hybrid-cuda-embed-device-code embedded.
    auto ptx = module.lookupSymbol<mlir::LLVM::GlobalOp>(
        "hybrid_cuda_ptx_text");
    auto text = ptx ? dyn_cast_or_null<mlir::StringAttr>(ptx.getValueOrNull())
                    : mlir::StringAttr();
    if (!text) {
      module.emitError("no embedded PTX (hybrid-cuda-embed-device-code)");
      return mlir::failure();
    }
    std::string error =
        writeOutputFile(outputPath, sys::fs::OF_Text, [&](raw_ostream &os) {
          os << text.getValue().rtrim(StringRef("\0", 1));
          return std::string();
        });
    if (error.empty())
      return mlir::success();
    module.emitError(error);
    return mlir::failure();
  }

private:
  TargetOptions options;
  mlir::hybrid::CUDAPipelineOptions pipeline;
  HostCodegen host{options, /*openmp=*/false};
};

} // namespace

std::unique_ptr<TargetBackend>
createCUDATargetBackend(const TargetOptions &options) {
  return std::make_unique<CUDATargetBackend>(options);
}

} // namespace hybrid::target
