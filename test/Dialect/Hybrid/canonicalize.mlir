// RUN: hybrid-opt %s -split-input-file -canonicalize | FileCheck %s

// Tests that a scale by one folds away.
// CHECK-LABEL: func.func @scale_by_one
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NOT: hybrid.scale
// CHECK: return %[[X]]
func.func @scale_by_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = hybrid.scale %x by 1.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a chain of scales (muP multipliers) folds into one.
// CHECK-LABEL: func.func @scale_chain
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK: %[[S:.+]] = hybrid.scale %[[X]] by 7.500000e-01 : tensor<4xf32>
// CHECK-NOT: hybrid.scale
// CHECK: return %[[S]]
func.func @scale_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = hybrid.scale %x by 0.5 : tensor<4xf32>
  %1 = hybrid.scale %0 by 3.0 : tensor<4xf32>
  %2 = hybrid.scale %1 by 0.5 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// Tests that a scale chain whose product is one disappears.
// CHECK-LABEL: func.func @scale_cancel
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NOT: hybrid.scale
// CHECK: return %[[X]]
func.func @scale_cancel(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = hybrid.scale %x by 4.0 : tensor<4xf32>
  %1 = hybrid.scale %0 by 0.25 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Tests that a scale other than one is kept.
// CHECK-LABEL: func.func @scale_kept
// CHECK: hybrid.scale %{{.*}} by 2.000000e+00
func.func @scale_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = hybrid.scale %x by 2.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that unused weights are removed (weights are pure).
// CHECK-LABEL: func.func @dead_weight
// CHECK-NOT: hybrid.weight
func.func @dead_weight() {
  %0 = hybrid.weight "unused" : tensor<4xf32>
  return
}
