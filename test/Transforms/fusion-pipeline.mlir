// RUN: hybrid-opt %s --hybrid-fusion-pipeline | FileCheck %s

// Tests that pieces of a split which fold-scales frees of their own
// multipliers, joined again by a concat (Falcon-H1's x, B and C of the
// Mamba in_proj, the causal conv's input), are one piece of the split by
// the end of the pipeline, not a concat (three copies on a GPU).
// CHECK-LABEL: func.func @conv_input_of_scaled_pieces
// CHECK:       %[[P:.+]] = hybrid.linear
// CHECK-SAME:    section_scales = array<f64: 5.000000e-01, 1.250000e+00, 7.500000e-01, 1.500000e+00>
// CHECK:       %[[S:.+]]:3 = hybrid.split %[[P]] [4, 10, 2]
// CHECK-NOT:   tensor.concat
// CHECK:       return %[[S]]#0, %[[S]]#1, %[[S]]#2
func.func @conv_input_of_scaled_pieces(%x: tensor<1x?x8xf32>, %w: tensor<16x8xf32>)
    -> (tensor<1x?x4xf32>, tensor<1x?x10xf32>, tensor<1x?x2xf32>) {
  %p = hybrid.linear %x, %w : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %s:4 = hybrid.split %p [4, 8, 2, 2] : tensor<1x?x16xf32> -> tensor<1x?x4xf32>, tensor<1x?x8xf32>, tensor<1x?x2xf32>, tensor<1x?x2xf32>
  %z = hybrid.scale %s#0 by 0.5 : tensor<1x?x4xf32>
  %a = hybrid.scale %s#1 by 1.25 : tensor<1x?x8xf32>
  %b = hybrid.scale %s#2 by 0.75 : tensor<1x?x2xf32>
  %dt = hybrid.scale %s#3 by 1.5 : tensor<1x?x2xf32>
  %xbc = tensor.concat dim(2) %a, %b : (tensor<1x?x8xf32>, tensor<1x?x2xf32>) -> tensor<1x?x10xf32>
  return %z, %xbc, %dt : tensor<1x?x4xf32>, tensor<1x?x10xf32>, tensor<1x?x2xf32>
}
