// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg | FileCheck %s

// Tests that an RMS norm is a sum-of-squares reduction over the last dim then
// one elementwise pass with rsqrt, the weight broadcast over leading dims.
// CHECK-DAG: #[[TRAIL:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @rms
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[TRAIL]], #{{.*}}]
// CHECK: math.rsqrt
func.func @rms(%x: tensor<1x?x8xf32>, %w: tensor<8xf32>) -> tensor<1x?x8xf32> {
  %y = hybrid.rms_norm %x weight(%w : tensor<8xf32>) eps 1.0e-6 : tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}

// -----

// Tests that a grouped gated norm views [.., D] as [.., G, D/G].
// CHECK-LABEL: func.func @gated
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [1, %{{.*}}, 2, 4]
// CHECK: math.rsqrt
// CHECK: tensor.collapse_shape
func.func @gated(%x: tensor<1x?x8xf32>, %z: tensor<1x?x8xf32>, %w: tensor<8xf32>) -> tensor<1x?x8xf32> {
  %y = hybrid.gated_rms_norm %x, %z weight %w eps 1.0e-5 group_size 4 : tensor<1x?x8xf32>, tensor<8xf32>
  return %y : tensor<1x?x8xf32>
}
