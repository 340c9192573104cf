// RUN: hybrid-opt %s -split-input-file --hybrid-fuse-linear-argmax | FileCheck %s

// Tests that decode_greedy's head (tied embedding table as the weight)
// and its argmax become one op and that no logits remain.
// CHECK-LABEL: func.func @greedy_head
// CHECK-SAME: (%[[H:.+]]: tensor<?x1x16xf32>, %[[W:.+]]: tensor<64x16xf32>)
// CHECK-NOT: hybrid.linear %
// CHECK: %[[T:.+]] = hybrid.linear_argmax %[[H]], %[[W]] : tensor<?x1x16xf32>, tensor<64x16xf32> -> tensor<?x1xi64>
// CHECK-NOT: hybrid.argmax
// CHECK: return %[[T]]
func.func @greedy_head(%h: tensor<?x1x16xf32>, %w: tensor<64x16xf32>) -> tensor<?x1xi64> {
  %l = hybrid.linear %h, %w : tensor<?x1x16xf32>, tensor<64x16xf32> -> tensor<?x1x64xf32>
  %t = hybrid.argmax %l : tensor<?x1x64xf32> -> tensor<?x1xi64>
  return %t : tensor<?x1xi64>
}

// -----

// Tests that a logits multiplier already folded into the head (Granite's
// logits_scaling after hybrid-fold-scales) stays with the fused op: a
// negative one would change the argmax.
// CHECK-LABEL: func.func @scaled_head
// CHECK: hybrid.linear_argmax %{{.+}}, %{{.+}} {output_scale = -2.500000e-01 : f64}
func.func @scaled_head(%h: tensor<2x1x16xf32>, %w: tensor<64x16xbf16>) -> tensor<2x1xi64> {
  %l = hybrid.linear %h, %w {output_scale = -0.25 : f64} : tensor<2x1x16xf32>, tensor<64x16xbf16> -> tensor<2x1x64xf32>
  %t = hybrid.argmax %l : tensor<2x1x64xf32> -> tensor<2x1xi64>
  return %t : tensor<2x1xi64>
}

// -----

// Tests that logits also returned to the caller are not fused away.
// CHECK-LABEL: func.func @logits_returned
// CHECK: %[[L:.+]] = hybrid.linear
// CHECK: hybrid.argmax %[[L]]
// CHECK-NOT: hybrid.linear_argmax
func.func @logits_returned(%h: tensor<1x1x16xf32>, %w: tensor<64x16xf32>) -> (tensor<1x1x64xf32>, tensor<1x1xi64>) {
  %l = hybrid.linear %h, %w : tensor<1x1x16xf32>, tensor<64x16xf32> -> tensor<1x1x64xf32>
  %t = hybrid.argmax %l : tensor<1x1x64xf32> -> tensor<1x1xi64>
  return %l, %t : tensor<1x1x64xf32>, tensor<1x1xi64>
}

// -----

// Tests that a biased head is left alone (linear_argmax has no bias).
// CHECK-LABEL: func.func @biased_head
// CHECK: hybrid.linear %{{.+}}, %{{.+}} bias
// CHECK: hybrid.argmax
// CHECK-NOT: hybrid.linear_argmax
func.func @biased_head(%h: tensor<1x1x16xf32>, %w: tensor<64x16xf32>, %b: tensor<64xf32>) -> tensor<1x1xi64> {
  %l = hybrid.linear %h, %w bias(%b : tensor<64xf32>) : tensor<1x1x16xf32>, tensor<64x16xf32> -> tensor<1x1x64xf32>
  %t = hybrid.argmax %l : tensor<1x1x64xf32> -> tensor<1x1xi64>
  return %t : tensor<1x1xi64>
}

// -----

// Tests that a multiplier left between head and argmax (fold-scales off)
// blocks the fusion rather than being dropped.
// CHECK-LABEL: func.func @scale_between
// CHECK: hybrid.linear
// CHECK: hybrid.scale
// CHECK: hybrid.argmax
// CHECK-NOT: hybrid.linear_argmax
func.func @scale_between(%h: tensor<1x1x16xf32>, %w: tensor<64x16xf32>) -> tensor<1x1xi64> {
  %l = hybrid.linear %h, %w : tensor<1x1x16xf32>, tensor<64x16xf32> -> tensor<1x1x64xf32>
  %s = hybrid.scale %l by -1.0 : tensor<1x1x64xf32>
  %t = hybrid.argmax %s : tensor<1x1x64xf32> -> tensor<1x1xi64>
  return %t : tensor<1x1xi64>
}

// -----

// Tests that an argmax of something other than a projection is left alone.
// CHECK-LABEL: func.func @plain_argmax
// CHECK: hybrid.argmax
// CHECK-NOT: hybrid.linear_argmax
func.func @plain_argmax(%l: tensor<1x1x64xf32>) -> tensor<1x1xi64> {
  %t = hybrid.argmax %l : tensor<1x1x64xf32> -> tensor<1x1xi64>
  return %t : tensor<1x1xi64>
}

// -----

// Tests that a head with section scales is left alone (linear_argmax has a
// uniform output_scale only).
// CHECK-LABEL: func.func @sectioned_head
// CHECK: hybrid.argmax
// CHECK-NOT: hybrid.linear_argmax
func.func @sectioned_head(%h: tensor<1x1x16xf32>, %w: tensor<64x16xf32>) -> tensor<1x1xi64> {
  %l = hybrid.linear %h, %w {section_sizes = array<i64: 32, 32>, section_scales = array<f64: 1.0, 2.0>} : tensor<1x1x16xf32>, tensor<64x16xf32> -> tensor<1x1x64xf32>
  %t = hybrid.argmax %l : tensor<1x1x64xf32> -> tensor<1x1xi64>
  return %t : tensor<1x1xi64>
}
