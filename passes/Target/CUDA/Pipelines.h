//===- Target/CUDA/Pipelines.h - hybrid IR to a CUDA artifact -*- C++ -*-===//
//
// The CUDA target's pass pipeline, in the two stages hybridc stops between
// for --emit=lowered: hybrid IR to host functions launching outlined GPU
// kernels (the same fusion, ABI and bufferization stages as the CPU), then
// kernels to NVVM, PTX and a cubin embedded in host code in the LLVM
// dialect. Serialization of the host library is the CUDA target backend's
// (targets/CUDA/).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TARGET_CUDA_PIPELINES_H
#define HYBRIDC_PASSES_TARGET_CUDA_PIPELINES_H

#include "passes/Pipelines.h"

namespace mlir {
namespace hybrid {

struct CUDAPipelineOptions : public PassPipelineOptions<CUDAPipelineOptions> {
  FusionOptions fusion{*this};
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("The GPU architecture of the cubin"),
                           llvm::cl::init("sm_90a")};
  Option<std::string> ptxFeatures{
      *this, "ptx-features",
      llvm::cl::desc("PTX ISA of the kernels (+ptx80: CUDA 12.0 and later, "
                     "the first with sm_90a)"),
      llvm::cl::init("+ptx80")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("The CUDA toolkit whose ptxas makes the cubin"),
      llvm::cl::init("/usr/local/cuda")};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block of the kernels"),
                            llvm::cl::init(256)};
  Option<int64_t> attentionKVChunks{
      *this, "attention-kv-chunks",
      llvm::cl::desc("Chunks of the visible cache rows a decode step's "
                     "attention splits over (lanes: heads x chunks)"),
      llvm::cl::init(64)};
  Option<int64_t> argmaxBlockRows{
      *this, "argmax-block-rows",
      llvm::cl::desc("Logits a lane of the greedy head's argmax reduces "
                     "(then one lane over the blocks' candidates)"),
      llvm::cl::init(512)};
  Option<bool> overlapKernelLaunches{
      *this, "overlap-kernel-launches",
      llvm::cl::desc("On sm_90 and later, let each kernel start while the "
                     "one before it finishes (griddepcontrol)"),
      llvm::cl::init(true)};
};

/// hybrid IR -> host functions on buffers launching outlined kernels.
void buildHybridCUDAKernelsPipeline(OpPassManager &pm,
                                    const CUDAPipelineOptions &options);
/// Kernels -> NVVM -> PTX and cubin embedded; host code -> LLVM dialect.
void buildHybridCUDALLVMPipeline(OpPassManager &pm,
                                 const CUDAPipelineOptions &options);
void buildHybridCUDAPipeline(OpPassManager &pm,
                             const CUDAPipelineOptions &options);

/// hybrid-cuda-pipeline and its two stages, for hybrid-opt.
void registerHybridCUDAPipelines();

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_TARGET_CUDA_PIPELINES_H
