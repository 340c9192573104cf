//===- Target/CPU/Passes.td - CPU target passes -*- tablegen -*-===//
//
// Passes of the CPU target only: its GEMM micro-kernel, its strided copies
// and its artifact's exported symbols. Every flag is hybrid-cpu-<name>;
// tests under test/Target/CPU/.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TARGET_CPU_PASSES_TD
#define HYBRIDC_PASSES_TARGET_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def HybridCPUEmitEntryPointsPass : Pass<"hybrid-cpu-emit-entry-points",
                                        "::mlir::ModuleOp"> {
  let summary = "Emits the artifact's exported symbols in the LLVM dialect";
  let description = [{
    Runs on the LLVM dialect. For every `_mlir_ciface_NAME` function emits
    `hybrid_entry_NAME(ptr args, ptr env)`, which calls it with `args[i]` as
    the i-th memref descriptor pointer (`env`, the runtime's `hyb_env_t`, is
    unused on the CPU), and `hybrid_artifact_manifest()`, which
    returns the `hybrid.manifest` text (docs/ABI.md).

    With `environment-argument` (the CUDA target's host code, which is CPU
    code too), the last parameter of each `_mlir_ciface_NAME` is the
    environment pointer itself, passed on from `env`.
  }];
  let dependentDialects = [
    "::mlir::hybrid::HybridDialect","::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"environmentArgument", "environment-argument", "bool",
           /*default=*/"false",
           "Pass env as the last argument of the C interface functions">
  ];
}

def HybridCPUExpandStridedCopiesPass : Pass<"hybrid-cpu-expand-strided-copies"> {
  let summary = "Rewrites memref.copy between strided views as linalg.copy";
  let description = [{
    Runs on buffers. A `memref.copy` whose source or target is not
    contiguous (a slice of a KV cache or of a scan's state) would become a
    call to `memrefCopy` in MLIR's C runner utils: an element-by-element walk,
    and a run-time dependency of the artifact on libMLIR.so. As
    `linalg.copy` it lowers with the other linalg ops to loops whose
    innermost dimension has unit stride. Copies between contiguous buffers
    stay `memref.copy`, which becomes `llvm.memcpy`.
  }];
  let statistics = [
    Statistic<"numExpanded", "num-expanded", "strided copies rewritten">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def HybridCPUVectorizeLinearPass : Pass<"hybrid-cpu-vectorize-linear"> {
  let summary = "Lowers hybrid.linear GEMMs on buffers to a vector micro-kernel";
  let description = [{
    Runs after bufferization on the `linalg.generic`s marked
    `hybrid.gemm` (the GEMMs of `hybrid.linear`) (`out_j[..., n] += Σ_k x[..., k] · w_j[n, k]`
    for one or more weights w_j of one shape, e.g. a gated MLP's gate and
    up: x is then loaded once for all of them).
    Each becomes an `scf.parallel` over blocks of `rows` output features
    (threads split the weight matrix, which is read once per call), a loop
    over the tokens, and an inner loop over `k` that keeps `rows` vector
    accumulators of `lanes` f32 in registers, with `vector.load` of the
    contiguous weight rows (widened from bf16/f16 in registers) and
    `vector.fma`. A decode step's GEMV is then bound by memory bandwidth.
    Prefill blocks several tokens per weight load, as many as keep the
    accumulators in half of the target's `registers`.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", "16",
           "f32 lanes per accumulator (16 = one AVX-512 register)">,
    Option<"rows", "rows", "int64_t", "4",
           "output features per block and weight (accumulators in registers)">,
    Option<"registers", "registers", "int64_t", "32",
           "vector registers of the target (32 with AVX-512, 16 with AVX2): "
           "half of them hold accumulators, the rest the loads">
  ];
  let dependentDialects = [
    "::mlir::hybrid::HybridDialect",
    "::mlir::vector::VectorDialect", "::mlir::scf::SCFDialect",
    "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"
  ];
}

def HybridCPUMarkEntryPointsPass : Pass<"hybrid-cpu-mark-entry-points",
                                        "::mlir::ModuleOp"> {
  let summary = "Asks for a C interface on every public entry point";
  let description = [{
    Marks every public function `llvm.emit_c_interface`, so that
    convert-func-to-llvm emits the `_mlir_ciface_NAME` wrappers (one memref
    descriptor pointer per argument) that hybrid-cpu-emit-entry-points
    calls. The CPU's calling convention, so a pass of the CPU target: the
    manifest pass, which every target runs, leaves it alone.
  }];
}

#endif // HYBRIDC_PASSES_TARGET_CPU_PASSES_TD
