// RUN: hybrid-opt %s -split-input-file --hybrid-bind-weights -verify-diagnostics | FileCheck %s

// Tests that weights become leading arguments, once per name, in order of
// first use, tagged with their checkpoint names.
// CHECK-LABEL: func.func @f(
// CHECK-SAME: %[[A:.+]]: tensor<4x8xf32> {hybrid.weight = #hybrid.weight<name = "a">}
// CHECK-SAME: %[[B:.+]]: tensor<8xbf16> {hybrid.weight = #hybrid.weight<name = "b">}
// CHECK-SAME: %[[X:.+]]: tensor<2x8xf32> {hybrid.role = #hybrid.role<tokens>}
// CHECK-NOT: hybrid.weight "
// CHECK: hybrid.linear %[[X]], %[[A]]
// CHECK: hybrid.linear %[[X]], %[[A]]
// CHECK: return %{{.*}}, %{{.*}}, %[[B]]
func.func @f(%x: tensor<2x8xf32> {hybrid.role = #hybrid.role<tokens>}) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<8xbf16>) {
  %a = hybrid.weight "a" : tensor<4x8xf32>
  %y = hybrid.linear %x, %a : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  %b = hybrid.weight "b" : tensor<8xbf16>
  %a2 = hybrid.weight "a" : tensor<4x8xf32>
  %z = hybrid.linear %x, %a2 : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return %y, %z, %b : tensor<2x4xf32>, tensor<2x4xf32>, tensor<8xbf16>
}

// -----

// Tests that a function without weights is left alone.
// CHECK-LABEL: func.func @none(%{{.*}}: tensor<2xf32>) -> tensor<2xf32>
func.func @none(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}

// -----

// Tests that one name used with two types is an error.
func.func @clash() -> (tensor<4xf32>, tensor<4xbf16>) {
  %a = hybrid.weight "w" : tensor<4xf32>
  // expected-error @+1 {{weight 'w' is used with two types: 'tensor<4xf32>' and 'tensor<4xbf16>'}}
  %b = hybrid.weight "w" : tensor<4xbf16>
  return %a, %b : tensor<4xf32>, tensor<4xbf16>
}

// -----

// Tests that a packed weight becomes one argument named by its parts joined
// with '+', listing the parts for the manifest.
// CHECK-LABEL: func.func @packed(
// CHECK-SAME: %{{.*}}: tensor<6x4xf32> {hybrid.weight = #hybrid.weight<name = "q+k", parts = ["q", "k"], part_rows = [4, 2]>}
func.func @packed() -> tensor<6x4xf32> {
  %p = hybrid.packed_weight ["q", "k"] rows [4, 2] : tensor<6x4xf32>
  return %p : tensor<6x4xf32>
}

// -----

// Tests that a weight is bound as gathered only when every op of its name in
// the function is marked so.
// CHECK-LABEL: func.func @access(
// CHECK-SAME: {hybrid.weight = #hybrid.weight<name = "e", access = gather>}
// CHECK-SAME: {hybrid.weight = #hybrid.weight<name = "t">}
func.func @access() -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %e = hybrid.weight "e" access <gather> : tensor<4xf32>
  %t1 = hybrid.weight "t" access <gather> : tensor<4xf32>
  %t2 = hybrid.weight "t" : tensor<4xf32>
  return %e, %t1, %t2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
