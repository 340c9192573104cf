//===- Registration.cpp - every hybridc pass and pipeline -----------------===//
//
// One call for the tools: each folder's passes and each named pipeline.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Target/CPU/Pipelines.h"
#include "passes/Target/CUDA/Passes.h"
#include "passes/Target/CUDA/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"

namespace mlir {
namespace hybrid {

void registerHybridPasses() {
  registerHybridTransformsPasses();
  registerHybridABIPasses();
  registerHybridConversionPasses();
  registerHybridCPUPasses();
  registerHybridCUDAPasses();
  PassPipelineRegistration<FusionPipelineOptions>(
      "hybrid-fusion-pipeline",
      "the target-independent raising and fusion passes on hybrid IR",
      [](OpPassManager &pm, const FusionPipelineOptions &options) {
        buildHybridFusionPipeline(pm, options.fusion);
      });
  registerHybridCPUPipelines();
  registerHybridCUDAPipelines();
}

} // namespace hybrid
} // namespace mlir
