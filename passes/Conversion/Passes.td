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
    - fused ops are first decomposed (see hybrid-decompose-fused-ops).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // HYBRIDC_PASSES_CONVERSION_PASSES_TD
