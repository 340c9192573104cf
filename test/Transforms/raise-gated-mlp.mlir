// RUN: hybrid-opt %s -split-input-file --hybrid-raise-gated-mlp | FileCheck %s

// Tests Llama's SwiGLU as the frontend emits it (separate gate and up).
// CHECK-LABEL: func.func @llama_swiglu
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x8xf32>, %[[G:.+]]: tensor<16x8xf32>, %[[U:.+]]: tensor<16x8xf32>, %[[D:.+]]: tensor<8x16xf32>)
// CHECK-NEXT: %[[Y:.+]] = hybrid.gated_mlp %[[X]], %[[G]], %[[U]], %[[D]] activation silu
// CHECK-NEXT: return %[[Y]]
func.func @llama_swiglu(%x: tensor<1x?x8xf32>, %g: tensor<16x8xf32>, %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> tensor<1x?x8xf32> {
  %0 = hybrid.linear %x, %g : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %1 = hybrid.linear %x, %u : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %2 = hybrid.activation silu %0 : tensor<1x?x16xf32>
  %3 = arith.mulf %2, %1 : tensor<1x?x16xf32>
  %4 = hybrid.linear %3, %d : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %4 : tensor<1x?x8xf32>
}

// -----

// Tests Granite's shared MLP: one fused gate_up projection, gate half first.
// CHECK-LABEL: func.func @granite_fused_gate_first
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x8xbf16>, %[[GU:.+]]: tensor<32x8xbf16>, %[[D:.+]]: tensor<8x16xbf16>)
// CHECK-DAG: %[[G:.+]] = tensor.extract_slice %[[GU]][0, 0] [16, 8] [1, 1]
// CHECK-DAG: %[[U:.+]] = tensor.extract_slice %[[GU]][16, 0] [16, 8] [1, 1]
// CHECK: hybrid.gated_mlp %[[X]], %[[G]], %[[U]], %[[D]] activation silu
// CHECK-NOT: hybrid.split
func.func @granite_fused_gate_first(%x: tensor<1x?x8xbf16>, %gu: tensor<32x8xbf16>, %d: tensor<8x16xbf16>) -> tensor<1x?x8xbf16> {
  %0 = hybrid.linear %x, %gu : tensor<1x?x8xbf16>, tensor<32x8xbf16> -> tensor<1x?x32xbf16>
  %g, %u = hybrid.split %0 [16, 16] : tensor<1x?x32xbf16> -> tensor<1x?x16xbf16>, tensor<1x?x16xbf16>
  %1 = hybrid.activation silu %g : tensor<1x?x16xbf16>
  %2 = arith.mulf %1, %u : tensor<1x?x16xbf16>
  %3 = hybrid.linear %2, %d : tensor<1x?x16xbf16>, tensor<8x16xbf16> -> tensor<1x?x8xbf16>
  return %3 : tensor<1x?x8xbf16>
}

// -----

// Tests Zonos' GatedMLP (fc1 split into y, gate: the gate is the second half,
// and the product is written y * act(gate)) with a GeLU: roles follow which
// half is activated.
// CHECK-LABEL: func.func @zonos_fc1_gate_second
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x8xf32>, %[[FC1:.+]]: tensor<32x8xf32>, %[[FC2:.+]]: tensor<8x16xf32>)
// CHECK-DAG: %[[UP:.+]] = tensor.extract_slice %[[FC1]][0, 0] [16, 8] [1, 1]
// CHECK-DAG: %[[GATE:.+]] = tensor.extract_slice %[[FC1]][16, 0] [16, 8] [1, 1]
// CHECK: hybrid.gated_mlp %[[X]], %[[GATE]], %[[UP]], %[[FC2]] activation gelu_tanh
func.func @zonos_fc1_gate_second(%x: tensor<1x?x8xf32>, %fc1: tensor<32x8xf32>, %fc2: tensor<8x16xf32>) -> tensor<1x?x8xf32> {
  %0 = hybrid.linear %x, %fc1 : tensor<1x?x8xf32>, tensor<32x8xf32> -> tensor<1x?x32xf32>
  %y, %gate = hybrid.split %0 [16, 16] : tensor<1x?x32xf32> -> tensor<1x?x16xf32>, tensor<1x?x16xf32>
  %1 = hybrid.activation gelu_tanh %gate : tensor<1x?x16xf32>
  %2 = arith.mulf %y, %1 : tensor<1x?x16xf32>
  %3 = hybrid.linear %2, %fc2 : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %3 : tensor<1x?x8xf32>
}

// -----

// Tests that Falcon-H1's muP multipliers are part of the raised op: the gate
// multiplier before the activation becomes gate_scale, and a multiplier on
// the up projection moves past the (linear) down projection into
// output_scale with the down projection's own.
// CHECK-LABEL: func.func @falcon_gate_multiplier
// CHECK: hybrid.gated_mlp %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} activation silu {gate_scale = 5.000000e-01 : f64, output_scale = 3.750000e-01 : f64}
// CHECK-NOT: hybrid.scale
// CHECK-NOT: hybrid.linear
func.func @falcon_gate_multiplier(%x: tensor<1x?x8xf32>, %g: tensor<16x8xf32>, %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> tensor<1x?x8xf32> {
  %0 = hybrid.linear %x, %g : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %1 = hybrid.linear %x, %u : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %s = hybrid.scale %0 by 0.5 : tensor<1x?x16xf32>
  %su = hybrid.scale %1 by 1.5 : tensor<1x?x16xf32>
  %2 = hybrid.activation silu %s : tensor<1x?x16xf32>
  %3 = arith.mulf %2, %su : tensor<1x?x16xf32>
  %4 = hybrid.linear %3, %d {output_scale = 0.25 : f64} : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %4 : tensor<1x?x8xf32>
}

// -----

// Tests a near miss: a multiplier whose scaled gate is also used elsewhere
// (it would have to be computed anyway).
// CHECK-LABEL: func.func @scaled_gate_reused
// CHECK-NOT: hybrid.gated_mlp
// CHECK: hybrid.scale
func.func @scaled_gate_reused(%x: tensor<1x?x8xf32>, %g: tensor<16x8xf32>, %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> (tensor<1x?x8xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.linear %x, %g : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %1 = hybrid.linear %x, %u : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %s = hybrid.scale %0 by 0.5 : tensor<1x?x16xf32>
  %2 = hybrid.activation silu %s : tensor<1x?x16xf32>
  %3 = arith.mulf %2, %1 : tensor<1x?x16xf32>
  %4 = hybrid.linear %3, %d : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %4, %s : tensor<1x?x8xf32>, tensor<1x?x16xf32>
}

// -----

// Tests a near miss: Nemotron-H's MLP is not gated (relu² of one projection).
// CHECK-LABEL: func.func @nemotron_relu2
// CHECK-NOT: hybrid.gated_mlp
func.func @nemotron_relu2(%x: tensor<1x?x8xf32>, %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> tensor<1x?x8xf32> {
  %0 = hybrid.linear %x, %u : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %1 = hybrid.activation relu2 %0 : tensor<1x?x16xf32>
  %2 = hybrid.linear %1, %d : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %2 : tensor<1x?x8xf32>
}

// -----

// Tests near misses that are different math: a bias on the gate projection,
// gate and up from different inputs, and the activation after the product.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: hybrid.gated_mlp
func.func @near_misses(%x: tensor<1x?x8xf32>, %x2: tensor<1x?x8xf32>, %g: tensor<16x8xf32>, %b: tensor<16xf32>,
                       %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>) {
  %0 = hybrid.linear %x, %g bias(%b : tensor<16xf32>) : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %1 = hybrid.linear %x, %u : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %2 = hybrid.activation silu %0 : tensor<1x?x16xf32>
  %3 = arith.mulf %2, %1 : tensor<1x?x16xf32>
  %4 = hybrid.linear %3, %d : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>

  %5 = hybrid.linear %x, %g : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %6 = hybrid.linear %x2, %u : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %7 = hybrid.activation silu %5 : tensor<1x?x16xf32>
  %8 = arith.mulf %7, %6 : tensor<1x?x16xf32>
  %9 = hybrid.linear %8, %d : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>

  %10 = hybrid.linear %x, %g : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %11 = hybrid.linear %x, %u : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %12 = arith.mulf %10, %11 : tensor<1x?x16xf32>
  %13 = hybrid.activation silu %12 : tensor<1x?x16xf32>
  %14 = hybrid.linear %13, %d : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %4, %9, %14 : tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>
}

// -----

// Tests a near miss: the gate projection is also used elsewhere, so raising
// would duplicate it.
// CHECK-LABEL: func.func @shared_gate
// CHECK-NOT: hybrid.gated_mlp
func.func @shared_gate(%x: tensor<1x?x8xf32>, %g: tensor<16x8xf32>, %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> (tensor<1x?x8xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.linear %x, %g : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %1 = hybrid.linear %x, %u : tensor<1x?x8xf32>, tensor<16x8xf32> -> tensor<1x?x16xf32>
  %2 = hybrid.activation silu %0 : tensor<1x?x16xf32>
  %3 = arith.mulf %2, %1 : tensor<1x?x16xf32>
  %4 = hybrid.linear %3, %d : tensor<1x?x16xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %4, %0 : tensor<1x?x8xf32>, tensor<1x?x16xf32>
}
