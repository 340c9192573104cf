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

// -----

// Tests Falcon-H1's per-section ssm_multipliers on the Mamba in_proj
// [z, x, B, C, dt]: each scaled piece of the split becomes a section scale
// of the projection (its input multiplier staying in output_scale), and a
// piece without a multiplier keeps scale 1.
// CHECK-LABEL: func.func @falcon_in_proj
// CHECK-NOT: hybrid.scale
// CHECK: %[[P:.+]] = hybrid.linear %{{.+}}, %{{.+}} {output_scale = 1.250000e+00 : f64, section_scales = array<f64: 5.000000e-01, 1.000000e+00, 7.500000e-01, 1.500000e+00>, section_sizes = array<i64: 16, 16, 4, 6>}
// CHECK: %[[S:.+]]:5 = hybrid.split %[[P]] [16, 16, 4, 4, 2]
// CHECK: return %[[S]]#0, %[[S]]#1, %[[S]]#2, %[[S]]#3, %[[S]]#4
func.func @falcon_in_proj(%x: tensor<1x?x8xf32>, %w: tensor<42x8xf32>)
    -> (tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x2xf32>) {
  %xs = hybrid.scale %x by 1.25 : tensor<1x?x8xf32>
  %p = hybrid.linear %xs, %w : tensor<1x?x8xf32>, tensor<42x8xf32> -> tensor<1x?x42xf32>
  %z, %xx, %b, %c, %dt = hybrid.split %p [16, 16, 4, 4, 2] : tensor<1x?x42xf32> -> tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x2xf32>
  %z1 = hybrid.scale %z by 0.5 : tensor<1x?x16xf32>
  %b1 = hybrid.scale %b by 0.75 : tensor<1x?x4xf32>
  %c1 = hybrid.scale %c by 1.5 : tensor<1x?x4xf32>
  %dt1 = hybrid.scale %dt by 1.5 : tensor<1x?x2xf32>
  return %z1, %xx, %b1, %c1, %dt1 : tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x2xf32>
}

// -----

// Tests sections refined by a second split of the same features (the
// product of both, adjacent equal scales merged), and a split whose
// pieces are all scaled alike becoming a uniform output_scale.
// CHECK-LABEL: func.func @refine_and_uniform
// CHECK: hybrid.linear {{.*}} {section_scales = array<f64: 2.000000e+00, 6.000000e+00, 3.000000e+00>, section_sizes = array<i64: 4, 2, 2>}
// CHECK: hybrid.linear {{.*}} {output_scale = 5.000000e-01 : f64} :
// CHECK-NOT: hybrid.scale
func.func @refine_and_uniform(%x: tensor<1x?x8xf32>, %w: tensor<8x8xf32>) -> (tensor<1x?x6xf32>, tensor<1x?x2xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) {
  %p = hybrid.linear %x, %w {section_sizes = array<i64: 4, 4>, section_scales = array<f64: 1.0, 3.0>} : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %a, %b = hybrid.split %p [6, 2] : tensor<1x?x8xf32> -> tensor<1x?x6xf32>, tensor<1x?x2xf32>
  %a1 = hybrid.scale %a by 2.0 : tensor<1x?x6xf32>
  %q = hybrid.linear %x, %w : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %c, %d = hybrid.split %q [4, 4] : tensor<1x?x8xf32> -> tensor<1x?x4xf32>, tensor<1x?x4xf32>
  %c1 = hybrid.scale %c by 0.5 : tensor<1x?x4xf32>
  %d1 = hybrid.scale %d by 0.5 : tensor<1x?x4xf32>
  return %a1, %b, %c1, %d1 : tensor<1x?x6xf32>, tensor<1x?x2xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>
}

// -----

// Tests the near misses of sections: a scaled piece also read unscaled, and
// a projection read by something besides its split.
// CHECK-LABEL: func.func @section_near_misses
// CHECK-NOT: section_scales
// CHECK-COUNT-2: hybrid.scale
func.func @section_near_misses(%x: tensor<1x?x8xf32>, %w: tensor<8x8xf32>)
    -> (tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x8xf32>) {
  %p = hybrid.linear %x, %w : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %a, %b = hybrid.split %p [4, 4] : tensor<1x?x8xf32> -> tensor<1x?x4xf32>, tensor<1x?x4xf32>
  %a1 = hybrid.scale %a by 2.0 : tensor<1x?x4xf32>
  %q = hybrid.linear %x, %w : tensor<1x?x8xf32>, tensor<8x8xf32> -> tensor<1x?x8xf32>
  %c, %d = hybrid.split %q [4, 4] : tensor<1x?x8xf32> -> tensor<1x?x4xf32>, tensor<1x?x4xf32>
  %c1 = hybrid.scale %c by 0.5 : tensor<1x?x4xf32>
  return %a1, %a, %c1, %q : tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x8xf32>
}

// -----

// Tests muP's embedding multiplier folding into the embedding.
// CHECK-LABEL: func.func @embedding_multiplier
// CHECK: hybrid.embedding {{.*}} {output_scale = 1.750000e+00 : f64}
// CHECK-NOT: hybrid.scale
func.func @embedding_multiplier(%t: tensor<16x8xf32>, %ids: tensor<1x?xi64>) -> tensor<1x?x8xf32> {
  %e = hybrid.embedding %t[%ids] : tensor<16x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  %s = hybrid.scale %e by 1.75 : tensor<1x?x8xf32>
  return %s : tensor<1x?x8xf32>
}
