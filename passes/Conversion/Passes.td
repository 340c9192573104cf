//===- Conversion/Passes.td - conversions out of hybrid -*- tablegen -*-===//
//
// Conversions from the hybrid dialect to upstream dialects. Tests:
// test/Conversion/<Name>/.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_CONVERSION_PASSES_TD
#define HYBRIDC_PASSES_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def HybridConvertToLinalgPass : Pass<"hybrid-convert-to-linalg"> {
  let summary = "Lowers hybrid ops to linalg, tensor, scf, arith and math";
  let description = [{
    Rewrites every hybrid op except `hybrid.weight` into upstream ops on
    tensors, keeping value semantics so that one-shot bufferization decides
    what is updated in place:
    - projections, norms, rope and pointwise ops become `linalg.generic`;
    - `attention` inserts the new keys/values into its cache operands with
      `tensor.insert_slice` and computes each output row in an `scf.forall`
      over (batch, token, head) with an online softmax over the visible rows;
    - `causal_conv1d` becomes two `linalg.generic`s (output, new window);
    - `selective_scan` and `ssd_scan` become an `scf.forall` over the
      independent lanes around the sequential recurrence;
    - `moe` becomes dense routing: every expert weighted by its gate;
    - `linear_argmax` becomes an `scf.forall` over blocks of vocabulary rows,
      each block's logits reduced to a candidate before the next exists,
      then an argmax over the candidates;
    - fused ops are first decomposed (see hybrid-decompose-fused-ops).

    The block size of `linear_argmax` is the target's choice: the option
    here gives one for every head, and a pipeline built in C++ passes a
    function of the op instead (`createHybridConvertToLinalgPass(
    HeadBlockRowsFn)`), as the CPU pipeline does with its cache heuristic.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"headBlockRows", "head-block-rows", "int64_t", /*default=*/"0",
           "Rows of the vocabulary per block of a linear_argmax (a ragged "
           "last block takes the rest); 0: the whole vocabulary in one "
           "block. Ignored when the pass is built with a HeadBlockRowsFn">,
    Option<"attentionKVChunks", "attention-kv-chunks", "int64_t",
           /*default=*/"0",
           "Steps of at most 4 tokens (decode) split attention over at most "
           "this many chunks of the visible rows, combined after (a GPU's "
           "parallelism); 0: one lane a (batch, token, head) over every row">,
    Option<"argmaxBlockRows", "argmax-block-rows", "int64_t",
           /*default=*/"0",
           "A linear_argmax in one block computes its logits in one "
           "projection and reduces them in blocks of this many (lanes of "
           "their own, then the candidates in block order); 0: one "
           "reduction over the vocabulary">,
    Option<"decodeConvLanes", "decode-conv-lanes", "bool",
           /*default=*/"false",
           "A causal_conv1d of a few static tokens (decode) runs one lane a "
           "(batch, channel), reading its window and writing its new state "
           "row in place (a GPU's one kernel); otherwise a copy of the old "
           "state, the new window and the output apart">,
    Option<"cacheWriteLanes", "cache-write-lanes", "bool",
           /*default=*/"false",
           "An attention's new keys and values go into their caches one "
           "lane an element of both, the keys rotated there when RoPE is "
           "folded into the attention (a GPU's one kernel); otherwise the "
           "keys are rotated apart and each cache gets a copy of its rows"> 
  ];
}

def HybridFormGPUKernelsPass : Pass<"hybrid-form-gpu-kernels",
                                    "::mlir::func::FuncOp"> {
  let summary = "Turns the device work of bufferized functions into gpu.launch";
  let description = [{
    Runs on buffers, after bufferization. Every linalg op becomes loops
    (scf.parallel over its parallel dimensions, scf.for over its
    reductions), except those a target keeps on the host as library calls
    (a pipeline built in C++ passes `createHybridFormGPUKernelsPass(
    HostLibraryCallFn)`; the CUDA target keeps its cuBLASLt GEMMs). Then,
    over the function body:
    - a top-level `scf.parallel` becomes a **grid kernel**: its iteration
      space flattened (the last dimension fastest), one thread a point,
      `block-size` threads a block;
    - every other run of ops that touch buffer contents becomes a
      **one-block kernel**: the sequential code runs in every thread on the
      same values, each `memref.store` by thread 0 between two
      `gpu.barrier`s, and each `scf.parallel` inside is shared out among
      the block's threads between barriers;
    - allocations, views, dims and index arithmetic stay on the host.

    A value computed on the device that the host would need is an error:
    device code hands nothing back, so a decode step runs without a host
    round trip. Kernels are named `<function>_kernel_<n>` and outlined
    (gpu-kernel-outlining) into one module, `kernel-module`.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block of every kernel">,
    Option<"kernelModuleName", "kernel-module", "std::string",
           /*default=*/"\"hybrid_kernels\"",
           "The gpu.module the kernels are outlined into">
  ];
}

#endif // HYBRIDC_PASSES_CONVERSION_PASSES_TD
