// RUN: hybrid-opt %s -split-input-file --hybrid-fuse-add-rms-norm | FileCheck %s

// Tests that a residual add feeding a norm fuses, the sum still feeding the
// residual stream after the norm.
// CHECK-LABEL: func.func @pre_norm
// CHECK-SAME: (%[[H:.+]]: tensor<1x?x8xf32>, %[[M:.+]]: tensor<1x?x8xf32>, %[[W:.+]]: tensor<8xf32>)
// CHECK: %[[N:.+]], %[[S:.+]] = hybrid.add_rms_norm %[[H]], %[[M]] weight(%[[W]] : tensor<8xf32>) eps 1.000000e-05
// CHECK-NOT: arith.addf %[[H]]
// CHECK: %[[R:.+]] = arith.addf %[[S]], %[[N]]
// CHECK: return %[[R]]
func.func @pre_norm(%h: tensor<1x?x8xf32>, %m: tensor<1x?x8xf32>, %w: tensor<8xf32>) -> tensor<1x?x8xf32> {
  %s = arith.addf %h, %m : tensor<1x?x8xf32>
  %n = hybrid.rms_norm %s weight(%w : tensor<8xf32>) eps 1.0e-05 : tensor<1x?x8xf32>
  %r = arith.addf %s, %n : tensor<1x?x8xf32>
  return %r : tensor<1x?x8xf32>
}

// -----

// Tests that a norm with a bias (Zonos' final norm) is not fused: the fused
// op has none.
// CHECK-LABEL: func.func @with_bias
// CHECK-NOT: hybrid.add_rms_norm
func.func @with_bias(%h: tensor<1x?x8xf32>, %m: tensor<1x?x8xf32>, %w: tensor<8xf32>) -> tensor<1x?x8xf32> {
  %s = arith.addf %h, %m : tensor<1x?x8xf32>
  %n = hybrid.rms_norm %s weight(%w : tensor<8xf32>) bias(%w : tensor<8xf32>) eps 1.0e-05 : tensor<1x?x8xf32>
  return %n : tensor<1x?x8xf32>
}

// -----

// Tests that a sum also used before the norm is left alone (the fused op
// takes the norm's place).
// CHECK-LABEL: func.func @used_before
// CHECK-NOT: hybrid.add_rms_norm
func.func @used_before(%h: tensor<1x?x8xf32>, %m: tensor<1x?x8xf32>, %w: tensor<8xf32>) -> (tensor<1x?x8xf32>, tensor<1x?x8xf32>) {
  %s = arith.addf %h, %m : tensor<1x?x8xf32>
  %e = hybrid.scale %s by 2.0 : tensor<1x?x8xf32>
  %n = hybrid.rms_norm %s weight(%w : tensor<8xf32>) eps 1.0e-05 : tensor<1x?x8xf32>
  return %n, %e : tensor<1x?x8xf32>, tensor<1x?x8xf32>
}

// -----

// Tests that a layer norm after an add is not turned into an RMS norm.
// CHECK-LABEL: func.func @layer_norm
// CHECK-NOT: hybrid.add_rms_norm
func.func @layer_norm(%h: tensor<1x?x8xf32>, %m: tensor<1x?x8xf32>) -> tensor<1x?x8xf32> {
  %s = arith.addf %h, %m : tensor<1x?x8xf32>
  %n = hybrid.layer_norm %s eps 1.0e-05 : tensor<1x?x8xf32>
  return %n : tensor<1x?x8xf32>
}
