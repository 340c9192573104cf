// RUN: hybrid-opt %s -split-input-file --hybrid-fuse-add-layer-norm | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-fuse-add-layer-norm --hybrid-decompose-fused-ops | FileCheck %s --check-prefix=ROUNDTRIP

// Tests that a residual add feeding a layer norm (weight and bias) fuses, the
// sum still feeding the residual stream, and that decomposing the fused op
// gives back the add and the norm.
// CHECK-LABEL: func.func @pre_norm
// CHECK-SAME: (%[[H:.+]]: tensor<1x?x8xf32>, %[[M:.+]]: tensor<1x?x8xf32>, %[[W:.+]]: tensor<8xf32>, %[[B:.+]]: tensor<8xf32>)
// CHECK: %[[N:.+]], %[[S:.+]] = hybrid.add_layer_norm %[[H]], %[[M]] weight(%[[W]] : tensor<8xf32>) bias(%[[B]] : tensor<8xf32>) eps 1.000000e-05
// CHECK: arith.addf %[[S]], %[[N]]
// ROUNDTRIP-LABEL: func.func @pre_norm
// ROUNDTRIP: %[[S:.+]] = arith.addf
// ROUNDTRIP: %[[N:.+]] = hybrid.layer_norm %[[S]] weight
// ROUNDTRIP: arith.addf %[[S]], %[[N]]
func.func @pre_norm(%h: tensor<1x?x8xf32>, %m: tensor<1x?x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<1x?x8xf32> {
  %s = arith.addf %h, %m : tensor<1x?x8xf32>
  %n = hybrid.layer_norm %s weight(%w : tensor<8xf32>) bias(%b : tensor<8xf32>) eps 1.0e-05 : tensor<1x?x8xf32>
  %r = arith.addf %s, %n : tensor<1x?x8xf32>
  return %r : tensor<1x?x8xf32>
}

// -----

// Tests that an RMS norm is not turned into a layer norm, and that a sum
// also used before the norm is left alone.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: hybrid.add_layer_norm
func.func @near_misses(%h: tensor<1x?x8xf32>, %m: tensor<1x?x8xf32>) -> (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>) {
  %s = arith.addf %h, %m : tensor<1x?x8xf32>
  %n = hybrid.rms_norm %s eps 1.0e-05 : tensor<1x?x8xf32>
  %t = arith.addf %h, %n : tensor<1x?x8xf32>
  %e = hybrid.scale %t by 2.0 : tensor<1x?x8xf32>
  %l = hybrid.layer_norm %t eps 1.0e-05 : tensor<1x?x8xf32>
  return %n, %l, %e : tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>
}
