// RUN: hybrid-opt %s -split-input-file --hybrid-cuda-form-kernels | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-cuda-form-kernels --hybrid-cuda-lower-host-to-device-ops | FileCheck %s --check-prefix=BETA

// Tests that a zero fill right before a cuBLASLt GEMM of its buffer is
// folded into the call: no kernel for the fill, the GEMM marked
// `overwrite`, and the beta of its hyb_gemm_t 0.
// CHECK-LABEL: func.func @zero_fill_then_gemm
// CHECK-NOT:   gpu.launch
// CHECK-NOT:   linalg.fill
// CHECK:       linalg.generic
// CHECK-SAME:    hybrid.gemm = #hybrid.gemm<overwrite = true>
// CHECK-NOT:   gpu.launch
// BETA-LABEL:  func.func @zero_fill_then_gemm
// BETA:        %[[ZERO:.+]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// BETA:        llvm.store %[[ZERO]]
func.func @zero_fill_then_gemm(%x: memref<?x8xf32>, %w: memref<6x8xf32>, %y: memref<?x6xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<?x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x8xf32>, memref<6x8xf32>) outs(%y : memref<?x6xf32>) attrs = {hybrid.gemm = #hybrid.gemm<>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a fill of another value stays a kernel before the GEMM, which
// then accumulates onto it (beta 1).
// CHECK-LABEL: func.func @one_fill_then_gemm
// CHECK:       gpu.launch
// CHECK:       linalg.generic
// CHECK-NOT:     overwrite
// CHECK-SAME:    hybrid.gemm = #hybrid.gemm<>
// BETA-LABEL:  func.func @one_fill_then_gemm
// BETA-NOT:    llvm.mlir.constant(0.000000e+00 : f32)
// BETA-COUNT-2: llvm.mlir.constant(1.000000e+00 : f32) : f32
// BETA-NOT:    llvm.mlir.constant(0.000000e+00 : f32)
func.func @one_fill_then_gemm(%x: memref<?x8xf32>, %w: memref<6x8xf32>, %y: memref<?x6xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.fill ins(%one : f32) outs(%y : memref<?x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x8xf32>, memref<6x8xf32>) outs(%y : memref<?x6xf32>) attrs = {hybrid.gemm = #hybrid.gemm<>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}
