// RUN: hybrid-opt %s -split-input-file --hybrid-merge-projections | FileCheck %s

// Tests that GQA's Q, K and V projections of one input become one GEMM over
// the packed weights, split back in order.
// CHECK-LABEL: func.func @qkv
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x64xf32>)
// CHECK: %[[W:.+]] = hybrid.packed_weight ["l.q.weight", "l.k.weight", "l.v.weight"] rows [64, 32, 32] : tensor<128x64xf32>
// CHECK: %[[P:.+]] = hybrid.linear %[[X]], %[[W]] : tensor<1x?x64xf32>, tensor<128x64xf32> -> tensor<1x?x128xf32>
// CHECK: %[[S:.+]]:3 = hybrid.split %[[P]] [64, 32, 32]
// CHECK: return %[[S]]#0, %[[S]]#1, %[[S]]#2
func.func @qkv(%x: tensor<1x?x64xf32>) -> (tensor<1x?x64xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>) {
  %wq = hybrid.weight "l.q.weight" : tensor<64x64xf32>
  %q = hybrid.linear %x, %wq : tensor<1x?x64xf32>, tensor<64x64xf32> -> tensor<1x?x64xf32>
  %wk = hybrid.weight "l.k.weight" : tensor<32x64xf32>
  %k = hybrid.linear %x, %wk : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %wv = hybrid.weight "l.v.weight" : tensor<32x64xf32>
  %v = hybrid.linear %x, %wv : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  return %q, %k, %v : tensor<1x?x64xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>
}

// -----

// Tests that projections with a bias (Qwen-style qkv bias) are not merged,
// nor projections of different inputs, nor a single projection.
// CHECK-LABEL: func.func @not_merged
// CHECK-NOT: hybrid.packed_weight
// CHECK-COUNT-4: hybrid.linear
func.func @not_merged(%x: tensor<1x?x64xf32>, %y: tensor<1x?x64xf32>, %b: tensor<32xf32>)
    -> (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>) {
  %w1 = hybrid.weight "a" : tensor<32x64xf32>
  %a = hybrid.linear %x, %w1 bias(%b : tensor<32xf32>) : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %w2 = hybrid.weight "b" : tensor<32x64xf32>
  %c = hybrid.linear %x, %w2 bias(%b : tensor<32xf32>) : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %w3 = hybrid.weight "c" : tensor<32x64xf32>
  %d = hybrid.linear %x, %w3 : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %w4 = hybrid.weight "d" : tensor<32x64xf32>
  %e = hybrid.linear %y, %w4 : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  return %a, %c, %d, %e : tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>
}

// -----

// Tests that weights stored in different types are not packed together.
// CHECK-LABEL: func.func @mixed_types
// CHECK-NOT: hybrid.packed_weight
func.func @mixed_types(%x: tensor<1x?x64xf32>) -> (tensor<1x?x32xf32>, tensor<1x?x32xf32>) {
  %w1 = hybrid.weight "a" : tensor<32x64xf32>
  %a = hybrid.linear %x, %w1 : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %w2 = hybrid.weight "b" : tensor<32x64xbf16>
  %c = hybrid.linear %x, %w2 : tensor<1x?x64xf32>, tensor<32x64xbf16> -> tensor<1x?x32xf32>
  return %a, %c : tensor<1x?x32xf32>, tensor<1x?x32xf32>
}

// -----

// Tests that a projection with section scales does not join a merge (the
// packed GEMM has one set of multipliers).
// CHECK-LABEL: func.func @sectioned_part
// CHECK-NOT: hybrid.packed_weight
func.func @sectioned_part(%x: tensor<1x?x64xf32>) -> (tensor<1x?x32xf32>, tensor<1x?x32xf32>) {
  %w1 = hybrid.weight "a" : tensor<32x64xf32>
  %a = hybrid.linear %x, %w1 {section_sizes = array<i64: 16, 16>, section_scales = array<f64: 1.0, 2.0>} : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %w2 = hybrid.weight "b" : tensor<32x64xf32>
  %c = hybrid.linear %x, %w2 : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  return %a, %c : tensor<1x?x32xf32>, tensor<1x?x32xf32>
}
