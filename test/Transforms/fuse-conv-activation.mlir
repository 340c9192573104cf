// RUN: hybrid-opt %s -split-input-file --hybrid-fuse-conv-activation | FileCheck %s

// Tests that the SiLU of a Mamba mixer's conv output folds into the conv.
// CHECK-LABEL: func.func @mamba_conv
// CHECK: %[[Y:.+]], %{{.+}} = hybrid.causal_conv1d {{.*}} activation silu
// CHECK-NOT: hybrid.activation
// CHECK: return %[[Y]]
func.func @mamba_conv(%x: tensor<1x?x8xf32>, %w: tensor<8x4xf32>, %s: tensor<1x8x3xf32>) -> (tensor<1x?x8xf32>, tensor<1x8x3xf32>) {
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<1x?x8xf32>, tensor<8x4xf32>, tensor<1x8x3xf32>
  %a = hybrid.activation silu %y : tensor<1x?x8xf32>
  return %a, %s1 : tensor<1x?x8xf32>, tensor<1x8x3xf32>
}

// -----

// Tests that another activation is not folded (the conv supports SiLU only).
// CHECK-LABEL: func.func @gelu
// CHECK: hybrid.causal_conv1d
// CHECK-NOT: activation silu
// CHECK: hybrid.activation gelu
func.func @gelu(%x: tensor<1x?x8xf32>, %w: tensor<8x4xf32>, %s: tensor<1x8x3xf32>) -> tensor<1x?x8xf32> {
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<1x?x8xf32>, tensor<8x4xf32>, tensor<1x8x3xf32>
  %a = hybrid.activation gelu %y : tensor<1x?x8xf32>
  return %a : tensor<1x?x8xf32>
}

// -----

// Tests that a conv output also used raw is not folded.
// CHECK-LABEL: func.func @raw_use
// CHECK: hybrid.activation silu
func.func @raw_use(%x: tensor<1x?x8xf32>, %w: tensor<8x4xf32>, %s: tensor<1x8x3xf32>) -> (tensor<1x?x8xf32>, tensor<1x?x8xf32>) {
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<1x?x8xf32>, tensor<8x4xf32>, tensor<1x8x3xf32>
  %a = hybrid.activation silu %y : tensor<1x?x8xf32>
  return %a, %y : tensor<1x?x8xf32>, tensor<1x?x8xf32>
}
