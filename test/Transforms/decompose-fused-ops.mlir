// RUN: hybrid-opt %s -split-input-file --hybrid-decompose-fused-ops | FileCheck %s

// Tests that a gated MLP becomes two projections, the activation of the gate
// projection times the up projection, and the down projection.
// CHECK-LABEL: func.func @gated_mlp
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x32xf32>, %[[G:.+]]: tensor<64x32xbf16>, %[[U:.+]]: tensor<64x32xbf16>, %[[D:.+]]: tensor<32x64xbf16>)
// CHECK: %[[GX:.+]] = hybrid.linear %[[X]], %[[G]] : tensor<1x?x32xf32>, tensor<64x32xbf16> -> tensor<1x?x64xf32>
// CHECK: %[[UX:.+]] = hybrid.linear %[[X]], %[[U]] : tensor<1x?x32xf32>, tensor<64x32xbf16> -> tensor<1x?x64xf32>
// CHECK: %[[A:.+]] = hybrid.activation gelu_tanh %[[GX]]
// CHECK: %[[M:.+]] = arith.mulf %[[A]], %[[UX]] : tensor<1x?x64xf32>
// CHECK: %[[Y:.+]] = hybrid.linear %[[M]], %[[D]] : tensor<1x?x64xf32>, tensor<32x64xbf16> -> tensor<1x?x32xf32>
// CHECK: return %[[Y]]
func.func @gated_mlp(%x: tensor<1x?x32xf32>, %g: tensor<64x32xbf16>, %u: tensor<64x32xbf16>,
                     %d: tensor<32x64xbf16>) -> tensor<1x?x32xf32> {
  %0 = hybrid.gated_mlp %x, %g, %u, %d activation gelu_tanh
      : tensor<1x?x32xf32>, tensor<64x32xbf16>, tensor<64x32xbf16>, tensor<32x64xbf16> -> tensor<1x?x32xf32>
  return %0 : tensor<1x?x32xf32>
}

// -----

// Tests that a gated MLP's multipliers land on its projections: gate_scale
// on the gate projection (before the activation), output_scale on the down
// projection.
// CHECK-LABEL: func.func @gated_mlp_multipliers
// CHECK: %[[GX:.+]] = hybrid.linear %{{.+}}, %{{.+}} {output_scale = 7.500000e-01 : f64}
// CHECK: %[[UX:.+]] = hybrid.linear %{{.+}}, %{{.+}} : tensor
// CHECK: %[[A:.+]] = hybrid.activation silu %[[GX]]
// CHECK: %[[M:.+]] = arith.mulf %[[A]], %[[UX]]
// CHECK: hybrid.linear %[[M]], %{{.+}} {output_scale = 1.250000e+00 : f64}
func.func @gated_mlp_multipliers(%x: tensor<1x?x32xf32>, %g: tensor<64x32xf32>, %u: tensor<64x32xf32>,
                                 %d: tensor<32x64xf32>) -> tensor<1x?x32xf32> {
  %0 = hybrid.gated_mlp %x, %g, %u, %d activation silu {gate_scale = 0.75 : f64, output_scale = 1.25 : f64}
      : tensor<1x?x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  return %0 : tensor<1x?x32xf32>
}

// -----

// Tests that add+norm becomes the add and the norm of the sum, and that the
// sum replaces the residual result.
// CHECK-LABEL: func.func @add_rms_norm
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf32>, %[[R:.+]]: tensor<2x8xf32>, %[[W:.+]]: tensor<8xf32>)
// CHECK: %[[S:.+]] = arith.addf %[[X]], %[[R]] : tensor<2x8xf32>
// CHECK: %[[N:.+]] = hybrid.rms_norm %[[S]] weight(%[[W]] : tensor<8xf32>) eps 1.000000e-05
// CHECK: return %[[N]], %[[S]]
func.func @add_rms_norm(%x: tensor<2x8xf32>, %r: tensor<2x8xf32>, %w: tensor<8xf32>)
    -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %n, %s = hybrid.add_rms_norm %x, %r weight(%w : tensor<8xf32>) eps 1.0e-5 : tensor<2x8xf32>
  return %n, %s : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Tests that the greedy head becomes the head (with its scale) and an argmax.
// CHECK-LABEL: func.func @linear_argmax
// CHECK-SAME: (%[[H:.+]]: tensor<?x1x16xf32>, %[[W:.+]]: tensor<64x16xbf16>)
// CHECK: %[[L:.+]] = hybrid.linear %[[H]], %[[W]] {output_scale = 5.000000e-01 : f64} : tensor<?x1x16xf32>, tensor<64x16xbf16> -> tensor<?x1x64xf32>
// CHECK: %[[T:.+]] = hybrid.argmax %[[L]] : tensor<?x1x64xf32> -> tensor<?x1xi64>
// CHECK: return %[[T]]
func.func @linear_argmax(%h: tensor<?x1x16xf32>, %w: tensor<64x16xbf16>) -> tensor<?x1xi64> {
  %t = hybrid.linear_argmax %h, %w {output_scale = 0.5 : f64} : tensor<?x1x16xf32>, tensor<64x16xbf16> -> tensor<?x1xi64>
  return %t : tensor<?x1xi64>
}

// -----

// Tests that ops that are not fused are left alone.
// CHECK-LABEL: func.func @untouched
// CHECK: hybrid.rms_norm
// CHECK-NOT: arith.
func.func @untouched(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = hybrid.rms_norm %x eps 1.0e-5 : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
