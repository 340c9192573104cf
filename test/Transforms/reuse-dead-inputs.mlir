// RUN: hybrid-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(hybrid-reuse-dead-inputs))" | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// Tests that a gated norm's normalize step, which reads the gated product
// at its own index and is its last reader, writes over it instead of a
// fresh tensor.empty.
// CHECK-LABEL: func.func @normalize_over_product
// CHECK: %[[P:.+]] = linalg.generic
// CHECK-SAME: outs(%{{.+}} : tensor<?x64xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]], %{{.+}} : tensor<?x64xf32>, tensor<?xf32>) outs(%[[P]] : tensor<?x64xf32>)
func.func @normalize_over_product(%x: tensor<?x64xf32>, %z: tensor<?x64xf32>,
                                  %inv: tensor<?xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e0 = tensor.empty(%t) : tensor<?x64xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %z : tensor<?x64xf32>, tensor<?x64xf32>) outs(%e0 : tensor<?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<?x64xf32>
  %e1 = tensor.empty(%t) : tensor<?x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p, %inv : tensor<?x64xf32>, tensor<?xf32>) outs(%e1 : tensor<?x64xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#t = affine_map<(d0, d1) -> (d1, d0)>
#row = affine_map<(d0, d1) -> (d0)>

// Tests the near misses, which keep their tensor.empty: an input read
// again later, an input that is a function argument (the caller's buffer),
// an input read transposed, an input of another element type, and a
// reduction.
// CHECK-LABEL: func.func @near_misses
// CHECK: %[[E0:.+]] = tensor.empty
// CHECK: outs(%[[E0]] :
// CHECK: %[[E1:.+]] = tensor.empty
// CHECK: outs(%[[E1]] :
// CHECK: %[[E2:.+]] = tensor.empty
// CHECK: outs(%[[E2]] :
// CHECK: %[[E3:.+]] = tensor.empty
// CHECK: outs(%[[E3]] :
// CHECK: %[[E4:.+]] = tensor.empty
// CHECK: outs(%[[E4]] :
func.func @near_misses(%x: tensor<8x8xf32>, %h: tensor<8x8xf16>) -> (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8x8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x8xf32>) outs(%e : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<8x8xf32>
  // %p is read again below: not reused here.
  %e1 = tensor.empty() : tensor<8x8xf32>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<8x8xf32>) outs(%e1 : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<8x8xf32>
  // Transposed read of %p (its last use).
  %e2 = tensor.empty() : tensor<8x8xf32>
  %r = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<8x8xf32>) outs(%e2 : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<8x8xf32>
  // Widening an f16 input.
  %e3 = tensor.empty() : tensor<8x8xf32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h : tensor<8x8xf16>) outs(%e3 : tensor<8x8xf32>) {
  ^bb0(%a: f16, %o: f32):
    %f = arith.extf %a : f16 to f32
    linalg.yield %f : f32
  } -> tensor<8x8xf32>
  // A row sum of %q.
  %e4 = tensor.empty() : tensor<8xf32>
  %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%q : tensor<8x8xf32>) outs(%e4 : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %a, %o : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %p, %q, %r, %w, %s : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#g = affine_map<(d0, d1, d2) -> (d0, d1)>

// Tests that an input viewed through a reshape used once (the grouped view
// [T, G, D/G] of a gated norm) is reused: it is the product's own buffer.
// CHECK-LABEL: func.func @grouped_view
// CHECK: %[[V:.+]] = tensor.expand_shape
// CHECK: linalg.generic
// CHECK-SAME: outs(%[[V]] : tensor<?x2x32xf32>)
func.func @grouped_view(%x: tensor<?x64xf32>, %inv: tensor<?x2xf32>) -> tensor<?x2x32xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e0 = tensor.empty(%t) : tensor<?x64xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e0 : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<?x64xf32>
  %v = tensor.expand_shape %p [[0], [1, 2]] output_shape [%t, 2, 32] : tensor<?x64xf32> into tensor<?x2x32xf32>
  %e1 = tensor.empty(%t) : tensor<?x2x32xf32>
  %y = linalg.generic {indexing_maps = [#id3, #g, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%v, %inv : tensor<?x2x32xf32>, tensor<?x2xf32>) outs(%e1 : tensor<?x2x32xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<?x2x32xf32>
  return %y : tensor<?x2x32xf32>
}

// -----

// Tests that a reshape of a function argument is not reused: its buffer is
// the caller's.
// CHECK-LABEL: func.func @argument_view
// CHECK: %[[E:.+]] = tensor.empty
// CHECK: outs(%[[E]] :
func.func @argument_view(%x: tensor<4x64xf32>) -> tensor<4x2x32xf32> {
  %v = tensor.expand_shape %x [[0], [1, 2]] output_shape [4, 2, 32] : tensor<4x64xf32> into tensor<4x2x32xf32>
  %e = tensor.empty() : tensor<4x2x32xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%v : tensor<4x2x32xf32>) outs(%e : tensor<4x2x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<4x2x32xf32>
  return %y : tensor<4x2x32xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// Tests that an earlier reader (the sum of squares of an RMS norm) does not
// stop the reuse, since it reads before the normalize step writes.
// CHECK-LABEL: func.func @earlier_reader
// CHECK: %[[P:.+]] = linalg.generic
// CHECK: %[[S:.+]] = linalg.generic
// CHECK-SAME: ins(%[[P]] : tensor<?x64xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]], %[[S]] : tensor<?x64xf32>, tensor<?xf32>) outs(%[[P]] : tensor<?x64xf32>)
func.func @earlier_reader(%x: tensor<?x64xf32>, %zeros: tensor<?xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e0 = tensor.empty(%t) : tensor<?x64xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e0 : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<?x64xf32>
  %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%p : tensor<?x64xf32>) outs(%zeros : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %a, %o : f32
    linalg.yield %m : f32
  } -> tensor<?xf32>
  %e1 = tensor.empty(%t) : tensor<?x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p, %s : tensor<?x64xf32>, tensor<?xf32>) outs(%e1 : tensor<?x64xf32>) {
  ^bb0(%a: f32, %r: f32, %o: f32):
    %m = arith.mulf %a, %r : f32
    linalg.yield %m : f32
  } -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
