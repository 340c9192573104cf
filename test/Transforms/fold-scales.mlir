// RUN: hybrid-opt %s -split-input-file --hybrid-fold-scales | FileCheck %s

// Tests muP multipliers around projections: a scale after a linear (output
// multiplier) and a scale read only by bias-free linears (input multiplier)
// fold into output_scale; chains multiply.
// CHECK-LABEL: func.func @mup
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x?x8xf32>
// CHECK-NOT: hybrid.scale
// CHECK: hybrid.linear %[[X]], %{{.*}} {output_scale = 2.500000e-01 : f64}
// CHECK: hybrid.linear %[[X]], %{{.*}} {output_scale = 2.500000e-01 : f64}
// CHECK: hybrid.linear %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<8xf32>) {output_scale = 3.000000e+00 : f64}
func.func @mup(%x: tensor<1x?x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x8xf32>, %wo: tensor<8x8xf32>, %b: tensor<8xf32>)
    -> (tensor<1x?x8xf32>, tensor<1x?x8xf32>) {
  %xs = hybrid.scale %x by 0.25 : tensor<1x?x8xf32>
  %q = hybrid.linear %xs, %wq : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %k = hybrid.linear %xs, %wk : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %o = hybrid.linear %q, %wo bias(%b : tensor<8xf32>) : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %o1 = hybrid.scale %o by 1.5 : tensor<1x?x8xf32>
  %o2 = hybrid.scale %o1 by 2.0 : tensor<1x?x8xf32>
  return %o2, %k : tensor<1x?x8xf32>, tensor<1x?x8xf32>
}

// -----

// Tests the near misses: a pre-scale in front of a biased linear
// (c·(xW) + b is not (c·x)W + b), a pre-scale with another user, and a
// post-scale of a linear used elsewhere.
// CHECK-LABEL: func.func @near_misses
// CHECK-COUNT-3: hybrid.scale
// CHECK-NOT: output_scale
func.func @near_misses(%x: tensor<1x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>)
    -> (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>) {
  %xs = hybrid.scale %x by 0.5 : tensor<1x?x8xf32>
  %a = hybrid.linear %xs, %w bias(%b : tensor<8xf32>) : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %ys = hybrid.scale %x by 0.25 : tensor<1x?x8xf32>
  %c = hybrid.linear %ys, %w : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %d = hybrid.linear %x, %w : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %ds = hybrid.scale %d by 3.0 : tensor<1x?x8xf32>
  return %a, %c, %ys, %ds, %d : tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>
}

// -----

// Tests that Falcon-H1's residual multiplier after a raised gated MLP folds
// into its output_scale (the down projection's epilogue).
// CHECK-LABEL: func.func @gated_mlp_output
// CHECK-NOT: hybrid.scale
// CHECK: hybrid.gated_mlp {{.*}} activation silu {gate_scale = 5.000000e-01 : f64, output_scale = 3.000000e+00 : f64}
func.func @gated_mlp_output(%x: tensor<1x?x8xf32>, %g: tensor<16x8xf32>, %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> tensor<1x?x8xf32> {
  %y = hybrid.gated_mlp %x, %g, %u, %d activation silu {gate_scale = 0.5 : f64, output_scale = 1.5 : f64}
      : tensor<1x?x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  %s = hybrid.scale %y by 2.0 : tensor<1x?x8xf32>
  return %s : tensor<1x?x8xf32>
}
