// RUN: hybrid-opt %s -split-input-file --hybrid-cpu-vectorize-linear=lanes=8 | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-cpu-vectorize-linear="lanes=8 registers=16" | FileCheck %s --check-prefix=AVX2

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// Tests that a tagged GEMM on buffers becomes a parallel loop over blocks of
// 4 output features; tokens go 4 at a time (16 vector accumulators, each
// weight chunk loaded once for 4 tokens, bf16 rows widened in registers),
// then one at a time (4 accumulators); a horizontal sum each, and the scalar
// k tail (K = 20 = 2*8+4).
// CHECK-LABEL: func.func @gemm
// CHECK: scf.parallel (%[[NB:.+]]) = (%c0) to (%c3) step (%c1)
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c4
// CHECK: %{{.*}}:16 = scf.for %{{.*}} = %c0 to %c16 step %c8 iter_args
// CHECK-COUNT-4: vector.load %{{.*}} : memref<?x20xf32>, vector<8xf32>
// CHECK: vector.load %{{.*}} : memref<12x20xbf16>, vector<8xbf16>
// CHECK: arith.extf %{{.*}} : vector<8xbf16> to vector<8xf32>
// CHECK-COUNT-4: vector.fma
// CHECK-COUNT-16: vector.reduction <add>
// CHECK: scf.for %{{.*}} = %c16 to %c20 step %c1
// CHECK-COUNT-16: memref.store
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// CHECK: %{{.*}}:4 = scf.for %{{.*}} = %c0 to %c16 step %c8 iter_args
// CHECK-COUNT-4: vector.reduction <add>
// CHECK-NOT: linalg.generic
func.func @gemm(%x: memref<?x20xf32>, %w: memref<12x20xbf16>, %y: memref<?x12xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x20xf32>, memref<12x20xbf16>) outs(%y : memref<?x12xf32>)
      attrs = {hybrid.gemm = #hybrid.gemm<>} {
  ^bb0(%a: f32, %b: bf16, %acc: f32):
    %e = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %e : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// Tests that an untagged GEMM-shaped generic is left to the generic lowering.
// CHECK-LABEL: func.func @untagged
// CHECK: linalg.generic
// CHECK-NOT: vector.fma
func.func @untagged(%x: memref<?x16xf32>, %w: memref<4x16xf32>, %y: memref<?x4xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x16xf32>, memref<4x16xf32>) outs(%y : memref<?x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// Tests that a tagged GEMM on tensors (not yet bufferized) is left alone.
// CHECK-LABEL: func.func @tensors
// CHECK: linalg.generic
func.func @tensors(%x: tensor<2x16xf32>, %w: tensor<4x16xf32>, %y: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x16xf32>, tensor<4x16xf32>) outs(%y : tensor<2x4xf32>)
      attrs = {hybrid.gemm = #hybrid.gemm<>} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// Tests a merged GEMM (gate and up of a gated MLP): one parallel loop, the
// x chunks loaded once per k step for both weights; 4 rows x 2 weights x 2
// tokens of accumulators in the token-block loop.
// CHECK-LABEL: func.func @merged
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4) step (%c1)
// CHECK: scf.for {{.*}} step %c2
// CHECK: %{{.*}}:16 = scf.for {{.*}} iter_args
// CHECK-COUNT-2: vector.load %{{.*}} : memref<?x16xf32>, vector<8xf32>
// CHECK-COUNT-2: vector.fma
// CHECK-COUNT-16: vector.reduction <add>
// CHECK-COUNT-16: memref.store
//
// With AVX2's 16 registers (8 for accumulators), 4 rows a weight would
// leave one token a block: 2 rows a weight keep 2 tokens.
// AVX2-LABEL: func.func @merged
// AVX2: scf.parallel (%{{.*}}) = (%c0) to (%c8) step (%c1)
// AVX2: scf.for {{.*}} step %c2
// AVX2: %{{.*}}:8 = scf.for {{.*}} iter_args
// AVX2-COUNT-8: vector.reduction <add>
func.func @merged(%x: memref<?x16xf32>, %wg: memref<16x16xf32>, %wu: memref<16x16xf32>,
                  %g: memref<?x16xf32>, %u: memref<?x16xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #w, #y, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %wg, %wu : memref<?x16xf32>, memref<16x16xf32>, memref<16x16xf32>) outs(%g, %u : memref<?x16xf32>, memref<?x16xf32>)
      attrs = {hybrid.gemm = #hybrid.gemm<>} {
  ^bb0(%a: f32, %b: f32, %c: f32, %accg: f32, %accu: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %accg, %m : f32
    %n = arith.mulf %a, %c : f32
    %t = arith.addf %accu, %n : f32
    linalg.yield %s, %t : f32, f32
  }
  return
}

// -----

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// Tests that the #hybrid.gemm output_scale multiplies each dot product once, after the
// horizontal sum, before it is added to the output.
// CHECK-LABEL: func.func @scaled
// CHECK: %[[S:.+]] = arith.constant 5.000000e-01 : f32
// CHECK: vector.reduction <add>
// CHECK: arith.mulf %{{.*}}, %[[S]] : f32
// CHECK: memref.store
func.func @scaled(%x: memref<?x16xf32>, %w: memref<4x16xf32>, %y: memref<?x4xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x16xf32>, memref<4x16xf32>) outs(%y : memref<?x4xf32>)
      attrs = {hybrid.gemm = #hybrid.gemm<output_scale = 0.5 : f64>} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %c = arith.constant 0.5 : f32
    %n = arith.mulf %m, %c : f32
    %s = arith.addf %acc, %n : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// Tests that section scales multiply each dot product by its row's
// multiplier (output_scale times the section's), chosen by the row index.
// CHECK-LABEL: func.func @sectioned
// CHECK-DAG: %[[LO:.+]] = arith.constant 2.000000e+00 : f32
// CHECK-DAG: %[[HI:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: vector.reduction <add>
// CHECK: %[[IN:.+]] = arith.cmpi ult, %{{.+}}, %c4 : index
// CHECK: %[[S:.+]] = arith.select %[[IN]], %[[LO]], %[[HI]] : f32
// CHECK: arith.mulf %{{.*}}, %[[S]] : f32
// CHECK: memref.store
func.func @sectioned(%x: memref<?x16xf32>, %w: memref<8x16xf32>, %y: memref<?x8xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x16xf32>, memref<8x16xf32>) outs(%y : memref<?x8xf32>)
      attrs = {hybrid.gemm = #hybrid.gemm<output_scale = 0.5 : f64,
               section_sizes = [4, 4], section_scales = [4.0, 2.0]>} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>

// Tests that a GEMM already inside a parallel loop (a block of the greedy
// head) walks its row blocks sequentially: no nested thread team.
// CHECK-LABEL: func.func @nested
// CHECK: scf.forall
// CHECK-NOT: scf.parallel
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: vector.fma
// CHECK-NOT: linalg.generic
func.func @nested(%x: memref<1x16xf32>, %w: memref<32x16xf32>, %y: memref<1x32xf32>) {
  scf.forall (%b) in (4) {
    %c8 = arith.constant 8 : index
    %first = arith.muli %b, %c8 : index
    %wb = memref.subview %w[%first, 0] [8, 16] [1, 1] : memref<32x16xf32> to memref<8x16xf32, strided<[16, 1], offset: ?>>
    %yb = memref.subview %y[0, %first] [1, 8] [1, 1] : memref<1x32xf32> to memref<1x8xf32, strided<[32, 1], offset: ?>>
    linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %wb : memref<1x16xf32>, memref<8x16xf32, strided<[16, 1], offset: ?>>) outs(%yb : memref<1x8xf32, strided<[32, 1], offset: ?>>)
        attrs = {hybrid.gemm = #hybrid.gemm<>} {
    ^bb0(%a: f32, %c: f32, %acc: f32):
      %m = arith.mulf %a, %c : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
    }
  }
  return
}
