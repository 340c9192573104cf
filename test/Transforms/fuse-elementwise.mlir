// RUN: hybrid-opt %s -split-input-file --hybrid-fuse-elementwise | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// Tests that a chain of pointwise generics fuses into one, but that the
// pointwise producer of a tagged GEMM operand is not fused into the GEMM
// (it would be recomputed once per output feature).
// CHECK-LABEL: func.func @chain
// CHECK: %[[P:.+]] = linalg.generic
// CHECK: math.exp
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic {{.*}}["parallel", "parallel"]
// CHECK: linalg.generic {{.*}} ins(%[[P]], %{{.*}} : {{.*}}) {{.*}}hybrid.gemm = #hybrid.gemm<>
func.func @chain(%a: tensor<2x8xf32>, %w: tensor<4x8xf32>, %o: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %e = tensor.empty() : tensor<2x8xf32>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %x = math.exp %in : f32
    linalg.yield %x : f32
  } -> tensor<2x8xf32>
  %1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%0 : tensor<2x8xf32>) outs(%e : tensor<2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %x = arith.mulf %in, %in : f32
    linalg.yield %x : f32
  } -> tensor<2x8xf32>
  %2 = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%1, %w : tensor<2x8xf32>, tensor<4x8xf32>) outs(%o : tensor<2x4xf32>)
      attrs = {hybrid.gemm = #hybrid.gemm<>} {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x4xf32>
  return %2 : tensor<2x4xf32>
}
