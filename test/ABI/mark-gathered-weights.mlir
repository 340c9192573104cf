// RUN: hybrid-opt %s -split-input-file --hybrid-mark-gathered-weights | FileCheck %s

// Tests that a table whose only uses are embeddings' tables is marked
// gathered, in every function that reads it so.
// CHECK-LABEL: func.func @untied
// CHECK: hybrid.weight "embed" access <gather> : tensor<8x4xf32>
// CHECK: hybrid.weight "embed" access <gather> : tensor<8x4xf32>
func.func @untied(%ids: tensor<?x?xi64>) -> (tensor<?x?x4xf32>, tensor<?x?x4xf32>) {
  %e = hybrid.weight "embed" : tensor<8x4xf32>
  %h = hybrid.embedding %e[%ids] : tensor<8x4xf32>, tensor<?x?xi64> -> tensor<?x?x4xf32>
  %g = hybrid.embedding %e[%ids] : tensor<8x4xf32>, tensor<?x?xi64> -> tensor<?x?x4xf32>
  %e2 = hybrid.weight "embed" : tensor<8x4xf32>
  %k = hybrid.embedding %e2[%ids] : tensor<8x4xf32>, tensor<?x?xi64> -> tensor<?x?x4xf32>
  %s = arith.addf %h, %g : tensor<?x?x4xf32>
  return %s, %k : tensor<?x?x4xf32>, tensor<?x?x4xf32>
}

// -----

// Tests that a table that is also read whole (a tied head), a weight that
// only projections read, and an unused weight stay streamed.
// CHECK-LABEL: func.func @tied
// CHECK: hybrid.weight "embed" : tensor<8x4xf32>
// CHECK: hybrid.weight "proj" : tensor<8x4xf32>
// CHECK: hybrid.weight "unused" : tensor<8x4xf32>
// CHECK-NOT: access
func.func @tied(%ids: tensor<?x?xi64>) -> tensor<?x?x8xf32> {
  %e = hybrid.weight "embed" : tensor<8x4xf32>
  %h = hybrid.embedding %e[%ids] : tensor<8x4xf32>, tensor<?x?xi64> -> tensor<?x?x4xf32>
  %l = hybrid.linear %h, %e : tensor<?x?x4xf32>, tensor<8x4xf32> -> tensor<?x?x8xf32>
  %p = hybrid.weight "proj" : tensor<8x4xf32>
  %m = hybrid.linear %h, %p : tensor<?x?x4xf32>, tensor<8x4xf32> -> tensor<?x?x8xf32>
  %u = hybrid.weight "unused" : tensor<8x4xf32>
  %s = arith.addf %l, %m : tensor<?x?x8xf32>
  return %s : tensor<?x?x8xf32>
}
