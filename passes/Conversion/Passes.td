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
           "block. Ignored when the pass is built with a HeadBlockRowsFn">
  ];
}

#endif // HYBRIDC_PASSES_CONVERSION_PASSES_TD
