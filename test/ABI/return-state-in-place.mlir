// RUN: hybrid-opt %s -split-input-file --hybrid-return-state-in-place -verify-diagnostics | FileCheck %s

// Tests that a state result that is its argument's buffer is dropped.
// CHECK-LABEL: func.func @in_place(
// CHECK-SAME: -> (memref<4xf32> {hybrid.role = #hybrid.role<logits>})
// CHECK-NOT: memref.copy
// CHECK: return %{{.*}} : memref<4xf32>
func.func @in_place(%s: memref<2x8xf32> {hybrid.state = #hybrid.state<name = "layers.0.ssm_state", layer = 0, kind = ssm_state, scope = sequence>}, %l: memref<4xf32>)
    -> (memref<4xf32> {hybrid.role = #hybrid.role<logits>}, memref<2x8xf32> {hybrid.state = #hybrid.state<name = "layers.0.ssm_state", layer = 0, kind = ssm_state, scope = sequence>}) {
  return %l, %s : memref<4xf32>, memref<2x8xf32>
}

// -----

// Tests that a state written elsewhere is copied into the argument first.
// CHECK-LABEL: func.func @copied(
// CHECK-SAME: %[[S:.+]]: memref<2x8xf32> {hybrid.state = #hybrid.state<name = "layers.0.conv_state", layer = 0, kind = conv_state, scope = sequence>}
// CHECK-SAME: %[[N:.+]]: memref<2x8xf32>)
// CHECK-SAME: {
// CHECK: memref.copy %[[N]], %[[S]]
// CHECK: return
// CHECK-NOT: memref
func.func @copied(%s: memref<2x8xf32> {hybrid.state = #hybrid.state<name = "layers.0.conv_state", layer = 0, kind = conv_state, scope = sequence>}, %n: memref<2x8xf32>)
    -> (memref<2x8xf32> {hybrid.state = #hybrid.state<name = "layers.0.conv_state", layer = 0, kind = conv_state, scope = sequence>}) {
  return %n : memref<2x8xf32>
}

// -----

// Tests that a state result needs an argument of the same name.
// expected-error @+1 {{state result 'layers.1.k_cache' has no argument of the same name}}
func.func @orphan(%s: memref<2xf32>) -> (memref<2xf32> {hybrid.state = #hybrid.state<name = "layers.1.k_cache", layer = 1, kind = k_cache, scope = sequence>}) {
  return %s : memref<2xf32>
}
