//===- Passes.td - hybridc passes --------------------------*- tablegen -*-===//
//
// Every hybridc pass, grouped by phase. A pass's flag equals its DEBUG_TYPE
// and the name of its test file under test/Transforms/.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TD
#define HYBRIDC_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Decomposition
//===----------------------------------------------------------------------===//

def HybridDecomposeFusedOpsPass : Pass<"hybrid-decompose-fused-ops"> {
  let summary = "Rewrites fused hybrid ops into the primitive ops they fuse";
  let description = [{
    The inverse of the fusion passes: a lowering that has no fused kernel
    for an op can still handle it after this pass, and the pair (fuse,
    decompose) lets a test check that a fused op means exactly its parts.

    `hybrid.gated_mlp %x, %g, %u, %d activation silu` becomes
    ```mlir
    %gx = hybrid.linear %x, %g ...
    %ux = hybrid.linear %x, %u ...
    %a  = hybrid.activation silu %gx ...
    %m  = arith.mulf %a, %ux ...
    %y  = hybrid.linear %m, %d ...
    ```
    and `%n, %s = hybrid.add_rms_norm %x, %r ...` becomes
    `%s = arith.addf %x, %r` and `%n = hybrid.rms_norm %s ...`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let statistics = [
    Statistic<"numDecomposed", "num-decomposed", "Fused ops decomposed">
  ];
}

#endif // HYBRIDC_PASSES_TD
