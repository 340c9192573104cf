//===- CPUTarget.cpp - the CPU target backend ------------------------------===//
//
// One TargetMachine per compilation, made first: its vector registers shape
// the GEMM micro-kernel (32 registers of 16 f32 with AVX-512, 16 of 8 with
// AVX2, where a 16-lane vector is two registers and prefill's accumulators
// would spill), and it later optimizes and emits the code.
//
//===----------------------------------------------------------------------===//

#include "targets/CPU/CPUTarget.h"
#include "targets/HostCodegen.h"

#include "passes/Target/CPU/Pipelines.h"

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Target/TargetMachine.h"

using namespace llvm;

namespace hybrid::target {
namespace {

class CPUTargetBackend final : public TargetBackend {
public:
  explicit CPUTargetBackend(const TargetOptions &options) : options(options) {}

  StringRef name() const override { return "cpu"; }

  bool supports(EmitKind kind) const override {
    return kind != EmitKind::Assembly;
  }

  void buildLoweringPipeline(mlir::OpPassManager &pm,
                             const mlir::hybrid::FusionOptions &fusion,
                             std::string &stage) override {
    pipeline.fusion.copyFrom(fusion);
    pipeline.threads = options.openmp;
    if (TargetMachine *tm = targetMachine()) {
      bool avx512 = tm->getMCSubtargetInfo()->checkFeatures("+avx512f");
      pipeline.vectorLanes = avx512 ? 16 : 8;
      pipeline.vectorRegisters = avx512 ? 32 : 16;
    }
    mlir::hybrid::buildHybridCPULoopsPipeline(pm, pipeline);
    stage = "hybrid-cpu-loops-pipeline";
  }

  void buildTranslationPipeline(mlir::OpPassManager &pm,
                                std::string &stage) override {
    mlir::hybrid::buildHybridCPULLVMPipeline(pm, pipeline);
    stage = "hybrid-cpu-llvm-pipeline";
  }

  mlir::LogicalResult serialize(mlir::ModuleOp module, StringRef moduleName,
                                EmitKind kind, StringRef outputPath) override {
    return host.emit(module, moduleName, kind, outputPath);
  }

private:
  TargetMachine *targetMachine() { return host.targetMachine(); }

  TargetOptions options;
  mlir::hybrid::CPUPipelineOptions pipeline;
  HostCodegen host{options, options.openmp};
};
} // namespace

std::unique_ptr<TargetBackend>
createCPUTargetBackend(const TargetOptions &options) {
  return std::make_unique<CPUTargetBackend>(options);
}

} // namespace hybrid::target
