// RUN: hybrid-opt %s -split-input-file --hybrid-raise-activations | FileCheck %s

// Tests Nemotron-H's MLP activation as its module writes it,
// square(relu(x)): one relu multiplied by itself becomes relu2.
// CHECK-LABEL: func.func @nemotron_h_square_relu
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x8xf32>, %[[U:.+]]: tensor<16x8xf32>, %[[D:.+]]: tensor<8x16xf32>)
// CHECK-NEXT: %[[H:.+]] = hybrid.linear %[[X]], %[[U]]
// CHECK-NEXT: %[[A:.+]] = hybrid.activation relu2 %[[H]] : tensor<1x?x16xf32>
// CHECK-NEXT: %[[Y:.+]] = hybrid.linear %[[A]], %[[D]]
// CHECK-NEXT: return %[[Y]]
func.func @nemotron_h_square_relu(%x: tensor<1x?x8xf32>, %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> tensor<1x?x8xf32> {
  %0 = hybrid.linear %x, %u : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %1 = hybrid.activation relu %0 : tensor<1x?x16xf32>
  %2 = arith.mulf %1, %1 : tensor<1x?x16xf32>
  %3 = hybrid.linear %2, %d : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %3 : tensor<1x?x8xf32>
}

// -----

// Tests Primer's squared ReLU written as relu(x) * relu(x) with two relu ops
// of the same input (bf16, decode shape).
// CHECK-LABEL: func.func @primer_two_relus
// CHECK-SAME: (%[[X:.+]]: tensor<1x1x16xbf16>)
// CHECK-NEXT: %[[A:.+]] = hybrid.activation relu2 %[[X]] : tensor<1x1x16xbf16>
// CHECK-NEXT: return %[[A]]
func.func @primer_two_relus(%x: tensor<1x1x16xbf16>) -> tensor<1x1x16xbf16> {
  %0 = hybrid.activation relu %x : tensor<1x1x16xbf16>
  %1 = hybrid.activation relu %x : tensor<1x1x16xbf16>
  %2 = arith.mulf %0, %1 : tensor<1x1x16xbf16>
  return %2 : tensor<1x1x16xbf16>
}

// -----

// Tests SiLU spelled out in both operand orders: Llama's gate as
// gate * sigmoid(gate) (HF's SiLUActivation before F.silu), and a Mamba
// gate written sigmoid(z) * z.
// CHECK-LABEL: func.func @llama_and_mamba_silu
// CHECK-SAME: (%[[G:.+]]: tensor<1x?x16xf32>, %[[U:.+]]: tensor<1x?x16xf32>, %[[Z:.+]]: tensor<1x?x16xf32>)
// CHECK-NEXT: %[[A:.+]] = hybrid.activation silu %[[G]] : tensor<1x?x16xf32>
// CHECK-NEXT: %[[M:.+]] = arith.mulf %[[A]], %[[U]]
// CHECK-NEXT: %[[S:.+]] = hybrid.activation silu %[[Z]] : tensor<1x?x16xf32>
// CHECK-NEXT: return %[[M]], %[[S]]
func.func @llama_and_mamba_silu(%g: tensor<1x?x16xf32>, %u: tensor<1x?x16xf32>, %z: tensor<1x?x16xf32>) -> (tensor<1x?x16xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.activation sigmoid %g : tensor<1x?x16xf32>
  %1 = arith.mulf %g, %0 : tensor<1x?x16xf32>
  %2 = arith.mulf %1, %u : tensor<1x?x16xf32>
  %3 = hybrid.activation sigmoid %z : tensor<1x?x16xf32>
  %4 = arith.mulf %3, %z : tensor<1x?x16xf32>
  return %2, %4 : tensor<1x?x16xf32>, tensor<1x?x16xf32>
}

// -----

// Tests near misses that are different math: relu(x) * relu(y),
// x * sigmoid(y), relu(x) * x, and gelu(x) squared.
// CHECK-LABEL: func.func @different_math
// CHECK-NOT: relu2
// CHECK-NOT: silu
// CHECK: return
func.func @different_math(%x: tensor<1x?x16xf32>, %y: tensor<1x?x16xf32>) -> (tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.activation relu %x : tensor<1x?x16xf32>
  %1 = hybrid.activation relu %y : tensor<1x?x16xf32>
  %2 = arith.mulf %0, %1 : tensor<1x?x16xf32>
  %3 = hybrid.activation sigmoid %y : tensor<1x?x16xf32>
  %4 = arith.mulf %x, %3 : tensor<1x?x16xf32>
  %5 = hybrid.activation relu %x : tensor<1x?x16xf32>
  %6 = arith.mulf %5, %x : tensor<1x?x16xf32>
  %7 = hybrid.activation gelu %x : tensor<1x?x16xf32>
  %8 = arith.mulf %7, %7 : tensor<1x?x16xf32>
  return %2, %4, %6, %8 : tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
}

// -----

// Tests near misses whose intermediate has another user: raising would
// compute the relu or the sigmoid twice.
// CHECK-LABEL: func.func @shared_intermediates
// CHECK-NOT: relu2
// CHECK-NOT: silu
// CHECK: %[[R:.+]] = hybrid.activation relu
// CHECK: arith.mulf %[[R]], %[[R]]
// CHECK: %[[S:.+]] = hybrid.activation sigmoid
// CHECK: arith.mulf %{{.+}}, %[[S]]
// CHECK: return %{{.+}}, %[[R]], %{{.+}}, %[[S]]
func.func @shared_intermediates(%x: tensor<1x?x16xf32>) -> (tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.activation relu %x : tensor<1x?x16xf32>
  %1 = arith.mulf %0, %0 : tensor<1x?x16xf32>
  %2 = hybrid.activation sigmoid %x : tensor<1x?x16xf32>
  %3 = arith.mulf %x, %2 : tensor<1x?x16xf32>
  return %1, %0, %3, %2 : tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
}

// -----

// Tests a near miss: two relus of one input, one of which has another user.
// CHECK-LABEL: func.func @one_relu_shared
// CHECK-NOT: relu2
// CHECK: return
func.func @one_relu_shared(%x: tensor<1x?x16xf32>) -> (tensor<1x?x16xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.activation relu %x : tensor<1x?x16xf32>
  %1 = hybrid.activation relu %x : tensor<1x?x16xf32>
  %2 = arith.mulf %0, %1 : tensor<1x?x16xf32>
  return %2, %1 : tensor<1x?x16xf32>, tensor<1x?x16xf32>
}
