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

// -----

// Tests that Mamba-2's re-join of x, B and C (consecutive pieces of its
// in_proj) for the conv is one piece of the split, not a copy; z and dt
// keep their pieces.
// CHECK-LABEL: func.func @mamba2_xbc
// CHECK: %[[Z:.+]]:3 = hybrid.split %{{.+}} [16, 24, 2] : tensor<1x?x42xf32> -> tensor<1x?x16xf32>, tensor<1x?x24xf32>, tensor<1x?x2xf32>
// CHECK-NOT: tensor.concat
// CHECK: return %[[Z]]#0, %[[Z]]#1, %[[Z]]#2
func.func @mamba2_xbc(%p: tensor<1x?x42xf32>) -> (tensor<1x?x16xf32>, tensor<1x?x24xf32>, tensor<1x?x2xf32>) {
  %z, %x, %b, %c, %dt = hybrid.split %p [16, 16, 4, 4, 2] : tensor<1x?x42xf32> -> tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x2xf32>
  %xbc = tensor.concat dim(2) %x, %b, %c : (tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> tensor<1x?x24xf32>
  return %z, %xbc, %dt : tensor<1x?x16xf32>, tensor<1x?x24xf32>, tensor<1x?x2xf32>
}

// -----

// Tests that the joined split stands where the split stood: dt is used
// (by the time-step preparation) between the split and the concat.
// CHECK-LABEL: func.func @piece_used_before_concat
// CHECK: %[[S:.+]]:3 = hybrid.split %{{.+}} [16, 24, 2]
// CHECK-NEXT: %[[DT:.+]] = hybrid.activation softplus %[[S]]#2
// CHECK-NEXT: return %[[S]]#0, %[[S]]#1, %[[DT]]
func.func @piece_used_before_concat(%p: tensor<1x?x42xf32>) -> (tensor<1x?x16xf32>, tensor<1x?x24xf32>, tensor<1x?x2xf32>) {
  %z, %x, %b, %c, %dt = hybrid.split %p [16, 16, 4, 4, 2] : tensor<1x?x42xf32> -> tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x2xf32>
  %sp = hybrid.activation softplus %dt : tensor<1x?x2xf32>
  %xbc = tensor.concat dim(2) %x, %b, %c : (tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> tensor<1x?x24xf32>
  return %z, %xbc, %sp : tensor<1x?x16xf32>, tensor<1x?x24xf32>, tensor<1x?x2xf32>
}

// -----

// Tests that a concat of every piece is the split's input.
// CHECK-LABEL: func.func @rejoin_all
// CHECK-SAME: (%[[P:.+]]: tensor<2x12xf32>)
// CHECK-NOT: hybrid.split
// CHECK-NOT: tensor.concat
// CHECK: return %[[P]]
func.func @rejoin_all(%p: tensor<2x12xf32>) -> tensor<2x12xf32> {
  %a, %b = hybrid.split %p [4, 8] : tensor<2x12xf32> -> tensor<2x4xf32>, tensor<2x8xf32>
  %j = tensor.concat dim(1) %a, %b : (tensor<2x4xf32>, tensor<2x8xf32>) -> tensor<2x12xf32>
  return %j : tensor<2x12xf32>
}

// -----

// Tests that pieces joined out of order stay a copy.
// CHECK-LABEL: func.func @swapped
// CHECK: hybrid.split %{{.+}} [4, 8]
// CHECK: tensor.concat
func.func @swapped(%p: tensor<2x12xf32>) -> tensor<2x12xf32> {
  %a, %b = hybrid.split %p [4, 8] : tensor<2x12xf32> -> tensor<2x4xf32>, tensor<2x8xf32>
  %j = tensor.concat dim(1) %b, %a : (tensor<2x8xf32>, tensor<2x4xf32>) -> tensor<2x12xf32>
  return %j : tensor<2x12xf32>
}

// -----

// Tests that pieces with a gap between them stay a copy.
// CHECK-LABEL: func.func @gap
// CHECK: hybrid.split %{{.+}} [4, 4, 4]
// CHECK: tensor.concat
func.func @gap(%p: tensor<2x12xf32>) -> (tensor<2x8xf32>, tensor<2x4xf32>) {
  %a, %b, %c = hybrid.split %p [4, 4, 4] : tensor<2x12xf32> -> tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
  %j = tensor.concat dim(1) %a, %c : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x8xf32>
  return %j, %b : tensor<2x8xf32>, tensor<2x4xf32>
}

// -----

// Tests that a piece with another user (here returned; Falcon-H1's per-piece
// multipliers put a scale in between) stays a copy.
// CHECK-LABEL: func.func @other_user
// CHECK: hybrid.split %{{.+}} [4, 8]
// CHECK: tensor.concat
func.func @other_user(%p: tensor<2x12xf32>) -> (tensor<2x12xf32>, tensor<2x4xf32>) {
  %a, %b = hybrid.split %p [4, 8] : tensor<2x12xf32> -> tensor<2x4xf32>, tensor<2x8xf32>
  %j = tensor.concat dim(1) %a, %b : (tensor<2x4xf32>, tensor<2x8xf32>) -> tensor<2x12xf32>
  return %j, %a : tensor<2x12xf32>, tensor<2x4xf32>
}

// -----

// Tests that pieces stacked along another dimension stay a copy.
// CHECK-LABEL: func.func @other_dim
// CHECK: hybrid.split %{{.+}} [4, 4]
// CHECK: tensor.concat dim(0)
func.func @other_dim(%p: tensor<2x8xf32>) -> tensor<4x4xf32> {
  %a, %b = hybrid.split %p [4, 4] : tensor<2x8xf32> -> tensor<2x4xf32>, tensor<2x4xf32>
  %j = tensor.concat dim(0) %a, %b : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %j : tensor<4x4xf32>
}
