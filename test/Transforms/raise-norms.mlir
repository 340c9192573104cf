// RUN: hybrid-opt %s -split-input-file --hybrid-raise-norms | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-raise-activations --hybrid-raise-norms | FileCheck %s --check-prefix=CHAIN

// Tests Mamba-2's gated norm as HF's MambaRMSNormGated computes it in
// mamba2, Bamba and Granite 4 (one group over the whole width, gate before
// the norm): y * silu(z), then an RMS norm with weight w.
// CHECK-LABEL: func.func @mamba2_bamba_one_group
// CHECK-SAME: (%[[Y:.+]]: tensor<1x?x16xf32>, %[[Z:.+]]: tensor<1x?x16xf32>, %[[W:.+]]: tensor<16xf32>)
// CHECK-NEXT: %[[N:.+]] = hybrid.gated_rms_norm %[[Y]], %[[Z]] weight %[[W]] eps 1.000000e-05 group_size 16 : tensor<1x?x16xf32>, tensor<16xf32>
// CHECK-NEXT: return %[[N]]
func.func @mamba2_bamba_one_group(%y: tensor<1x?x16xf32>, %z: tensor<1x?x16xf32>, %w: tensor<16xf32>) -> tensor<1x?x16xf32> {
  %0 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %1 = arith.mulf %y, %0 : tensor<1x?x16xf32>
  %2 = hybrid.rms_norm %1 weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>
  return %2 : tensor<1x?x16xf32>
}

// -----

// Tests Nemotron-H's and mamba_ssm's (Zonos) grouped norm, gate first:
// n_groups = 2, so the product [..., 16] is viewed as [..., 2, 8],
// normalized per group with the weight viewed the same way, and collapsed
// back; the product is written silu(z) * y here.
// CHECK-LABEL: func.func @nemotron_h_two_groups
// CHECK-SAME: (%[[Y:.+]]: tensor<?x?x16xf32>, %[[Z:.+]]: tensor<?x?x16xf32>, %[[W:.+]]: tensor<16xf32>, %{{.+}}: index, %{{.+}}: index)
// CHECK-NEXT: %[[N:.+]] = hybrid.gated_rms_norm %[[Y]], %[[Z]] weight %[[W]] eps 1.000000e-05 group_size 8 : tensor<?x?x16xf32>, tensor<16xf32>
// CHECK-NEXT: return %[[N]]
func.func @nemotron_h_two_groups(%y: tensor<?x?x16xf32>, %z: tensor<?x?x16xf32>, %w: tensor<16xf32>, %b: index, %t: index) -> tensor<?x?x16xf32> {
  %0 = hybrid.activation silu %z : tensor<?x?x16xf32>
  %1 = arith.mulf %0, %y : tensor<?x?x16xf32>
  %2 = tensor.expand_shape %1 [[0], [1], [2, 3]] output_shape [%b, %t, 2, 8] : tensor<?x?x16xf32> into tensor<?x?x2x8xf32>
  %3 = tensor.expand_shape %w [[0, 1]] output_shape [2, 8] : tensor<16xf32> into tensor<2x8xf32>
  %4 = hybrid.rms_norm %2 weight(%3 : tensor<2x8xf32>) eps 1.0e-05 : tensor<?x?x2x8xf32>
  %5 = tensor.collapse_shape %4 [[0], [1], [2, 3]] : tensor<?x?x2x8xf32> into tensor<?x?x16xf32>
  return %5 : tensor<?x?x16xf32>
}

// -----

// Tests Falcon-H1's FalconH1RMSNormGated with its default
// mamba_norm_before_gate: per-group norm of y (4 groups), weight applied in
// the grouped view, then the SiLU gate (decode shape).
// CHECK-LABEL: func.func @falcon_h1_norm_before_gate
// CHECK-SAME: (%[[Y:.+]]: tensor<?x1x16xf32>, %[[Z:.+]]: tensor<?x1x16xf32>, %[[W:.+]]: tensor<16xf32>, %{{.+}}: index)
// CHECK-NEXT: %[[N:.+]] = hybrid.gated_rms_norm %[[Y]], %[[Z]] weight %[[W]] eps 9.9999999999999995E-7 group_size 4 {norm_before_gate} : tensor<?x1x16xf32>, tensor<16xf32>
// CHECK-NEXT: return %[[N]]
func.func @falcon_h1_norm_before_gate(%y: tensor<?x1x16xf32>, %z: tensor<?x1x16xf32>, %w: tensor<16xf32>, %b: index) -> tensor<?x1x16xf32> {
  %0 = tensor.expand_shape %y [[0], [1], [2, 3]] output_shape [%b, 1, 4, 4] : tensor<?x1x16xf32> into tensor<?x1x4x4xf32>
  %1 = tensor.expand_shape %w [[0, 1]] output_shape [4, 4] : tensor<16xf32> into tensor<4x4xf32>
  %2 = hybrid.rms_norm %0 weight(%1 : tensor<4x4xf32>) eps 1.0e-06 : tensor<?x1x4x4xf32>
  %3 = tensor.collapse_shape %2 [[0], [1], [2, 3]] : tensor<?x1x4x4xf32> into tensor<?x1x16xf32>
  %4 = hybrid.activation silu %z : tensor<?x1x16xf32>
  %5 = arith.mulf %3, %4 : tensor<?x1x16xf32>
  return %5 : tensor<?x1x16xf32>
}

// -----

// Tests Qwen3-Next's Qwen3NextRMSNormGated (linear-attention output): norm
// before gate over each head's features of a [B, T, H, Dh] value, the gate
// written first; and a weight computed as 1 + w (Gemma style), which is
// carried over as it is.
// CHECK-LABEL: func.func @qwen3_next_per_head
// CHECK-SAME: (%[[Y:.+]]: tensor<1x?x4x8xbf16>, %[[Z:.+]]: tensor<1x?x4x8xbf16>, %[[W:.+]]: tensor<8xbf16>)
// CHECK: %[[W1:.+]] = arith.addf %[[W]], %{{.+}} : tensor<8xbf16>
// CHECK-NEXT: %[[N:.+]] = hybrid.gated_rms_norm %[[Y]], %[[Z]] weight %[[W1]] eps 9.9999999999999995E-7 group_size 8 {norm_before_gate} : tensor<1x?x4x8xbf16>, tensor<8xbf16>
// CHECK-NEXT: return %[[N]]
func.func @qwen3_next_per_head(%y: tensor<1x?x4x8xbf16>, %z: tensor<1x?x4x8xbf16>, %w: tensor<8xbf16>) -> tensor<1x?x4x8xbf16> {
  %one = arith.constant dense<1.0> : tensor<8xbf16>
  %w1 = arith.addf %w, %one : tensor<8xbf16>
  %0 = hybrid.rms_norm %y weight(%w1 : tensor<8xbf16>) eps 1.0e-06 : tensor<1x?x4x8xbf16>
  %1 = hybrid.activation silu %z : tensor<1x?x4x8xbf16>
  %2 = arith.mulf %1, %0 : tensor<1x?x4x8xbf16>
  return %2 : tensor<1x?x4x8xbf16>
}

// -----

// Tests near misses that are different math, gate first: a GeLU gate, a
// norm with a bias, a layer norm, a norm without weight, and a norm that
// reads y while the gated product goes elsewhere.
// CHECK-LABEL: func.func @different_math_gate_first
// CHECK-NOT: hybrid.gated_rms_norm
// CHECK: return
func.func @different_math_gate_first(%y: tensor<1x?x16xf32>, %z: tensor<1x?x16xf32>, %w: tensor<16xf32>, %bias: tensor<16xf32>)
    -> (tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.activation gelu %z : tensor<1x?x16xf32>
  %1 = arith.mulf %y, %0 : tensor<1x?x16xf32>
  %2 = hybrid.rms_norm %1 weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>

  %3 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %4 = arith.mulf %y, %3 : tensor<1x?x16xf32>
  %5 = hybrid.rms_norm %4 weight(%w : tensor<16xf32>) bias(%bias : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>

  %6 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %7 = arith.mulf %y, %6 : tensor<1x?x16xf32>
  %8 = hybrid.layer_norm %7 weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>

  %9 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %10 = arith.mulf %y, %9 : tensor<1x?x16xf32>
  %11 = hybrid.rms_norm %10 eps 1.0e-05 : tensor<1x?x16xf32>

  %12 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %13 = arith.mulf %y, %12 : tensor<1x?x16xf32>
  %14 = hybrid.rms_norm %y weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>
  return %2, %5, %8, %11, %13, %14 : tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
}

// -----

// Tests near misses that are different math, norm first: a sigmoid gate, a
// norm with a bias, a layer norm, and a norm scaled by something else than
// its gate's SiLU.
// CHECK-LABEL: func.func @different_math_norm_first
// CHECK-NOT: hybrid.gated_rms_norm
// CHECK: return
func.func @different_math_norm_first(%y: tensor<1x?x16xf32>, %z: tensor<1x?x16xf32>, %w: tensor<16xf32>, %bias: tensor<16xf32>)
    -> (tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.rms_norm %y weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>
  %1 = hybrid.activation sigmoid %z : tensor<1x?x16xf32>
  %2 = arith.mulf %0, %1 : tensor<1x?x16xf32>

  %3 = hybrid.rms_norm %y weight(%w : tensor<16xf32>) bias(%bias : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>
  %4 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %5 = arith.mulf %3, %4 : tensor<1x?x16xf32>

  %6 = hybrid.layer_norm %y weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>
  %7 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %8 = arith.mulf %6, %7 : tensor<1x?x16xf32>

  %9 = hybrid.rms_norm %y weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>
  %10 = arith.mulf %9, %z : tensor<1x?x16xf32>
  return %2, %5, %8, %10 : tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
}

// -----

// Tests near misses whose intermediates have other users (the SiLU, the
// gated product, the norm before its gate): raising would compute them
// twice.
// CHECK-LABEL: func.func @shared_intermediates
// CHECK-NOT: hybrid.gated_rms_norm
// CHECK: return
func.func @shared_intermediates(%y: tensor<1x?x16xf32>, %z: tensor<1x?x16xf32>, %w: tensor<16xf32>)
    -> (tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %1 = arith.mulf %y, %0 : tensor<1x?x16xf32>
  %2 = hybrid.rms_norm %1 weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>

  %3 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %4 = arith.mulf %y, %3 : tensor<1x?x16xf32>
  %5 = hybrid.rms_norm %4 weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>

  %6 = hybrid.rms_norm %y weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>
  %7 = hybrid.activation silu %z : tensor<1x?x16xf32>
  %8 = arith.mulf %6, %7 : tensor<1x?x16xf32>
  return %2, %0, %5, %4, %8, %6 : tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
}

// -----

// Tests grouped near misses: a split of another dim than the features, a
// split of the features in three, a per-group weight that is not a view of
// a [D] weight, and a grouped view whose norm has another user.
// CHECK-LABEL: func.func @grouped_near_misses
// CHECK-NOT: hybrid.gated_rms_norm
// CHECK: return
func.func @grouped_near_misses(%y: tensor<2x4x16xf32>, %z: tensor<2x4x16xf32>, %w: tensor<16xf32>, %wg: tensor<2x8xf32>)
    -> (tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x2x8xf32>) {
  %a0 = hybrid.activation silu %z : tensor<2x4x16xf32>
  %p0 = arith.mulf %y, %a0 : tensor<2x4x16xf32>
  %e0 = tensor.expand_shape %p0 [[0], [1, 2], [3]] output_shape [2, 2, 2, 16] : tensor<2x4x16xf32> into tensor<2x2x2x16xf32>
  %n0 = hybrid.rms_norm %e0 weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<2x2x2x16xf32>
  %c0 = tensor.collapse_shape %n0 [[0], [1, 2], [3]] : tensor<2x2x2x16xf32> into tensor<2x4x16xf32>

  %a1 = hybrid.activation silu %z : tensor<2x4x16xf32>
  %p1 = arith.mulf %y, %a1 : tensor<2x4x16xf32>
  %e1 = tensor.expand_shape %p1 [[0], [1], [2, 3, 4]] output_shape [2, 4, 2, 2, 4] : tensor<2x4x16xf32> into tensor<2x4x2x2x4xf32>
  %w1 = tensor.expand_shape %w [[0, 1, 2]] output_shape [2, 2, 4] : tensor<16xf32> into tensor<2x2x4xf32>
  %n1 = hybrid.rms_norm %e1 weight(%w1 : tensor<2x2x4xf32>) eps 1.0e-05 : tensor<2x4x2x2x4xf32>
  %c1 = tensor.collapse_shape %n1 [[0], [1], [2, 3, 4]] : tensor<2x4x2x2x4xf32> into tensor<2x4x16xf32>

  %a2 = hybrid.activation silu %z : tensor<2x4x16xf32>
  %p2 = arith.mulf %y, %a2 : tensor<2x4x16xf32>
  %e2 = tensor.expand_shape %p2 [[0], [1], [2, 3]] output_shape [2, 4, 2, 8] : tensor<2x4x16xf32> into tensor<2x4x2x8xf32>
  %n2 = hybrid.rms_norm %e2 weight(%wg : tensor<2x8xf32>) eps 1.0e-05 : tensor<2x4x2x8xf32>
  %c2 = tensor.collapse_shape %n2 [[0], [1], [2, 3]] : tensor<2x4x2x8xf32> into tensor<2x4x16xf32>

  %a3 = hybrid.activation silu %z : tensor<2x4x16xf32>
  %p3 = arith.mulf %y, %a3 : tensor<2x4x16xf32>
  %e3 = tensor.expand_shape %p3 [[0], [1], [2, 3]] output_shape [2, 4, 2, 8] : tensor<2x4x16xf32> into tensor<2x4x2x8xf32>
  %w3 = tensor.expand_shape %w [[0, 1]] output_shape [2, 8] : tensor<16xf32> into tensor<2x8xf32>
  %n3 = hybrid.rms_norm %e3 weight(%w3 : tensor<2x8xf32>) eps 1.0e-05 : tensor<2x4x2x8xf32>
  %c3 = tensor.collapse_shape %n3 [[0], [1], [2, 3]] : tensor<2x4x2x8xf32> into tensor<2x4x16xf32>
  return %c0, %c1, %c2, %c3, %n3 : tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x2x8xf32>
}

// -----

// Tests a gate written z * sigmoid(z): not a SiLU op, so hybrid-raise-norms
// alone leaves it; after hybrid-raise-activations (as in the fusion
// pipeline) it is one.
// CHECK-LABEL: func.func @silu_spelled_out
// CHECK-NOT: hybrid.gated_rms_norm
// CHECK: hybrid.rms_norm
// CHAIN-LABEL: func.func @silu_spelled_out
// CHAIN-SAME: (%[[Y:.+]]: tensor<1x?x16xf32>, %[[Z:.+]]: tensor<1x?x16xf32>, %[[W:.+]]: tensor<16xf32>)
// CHAIN-NEXT: %[[N:.+]] = hybrid.gated_rms_norm %[[Y]], %[[Z]] weight %[[W]] eps 1.000000e-05 group_size 16
// CHAIN-NEXT: return %[[N]]
func.func @silu_spelled_out(%y: tensor<1x?x16xf32>, %z: tensor<1x?x16xf32>, %w: tensor<16xf32>) -> tensor<1x?x16xf32> {
  %0 = hybrid.activation sigmoid %z : tensor<1x?x16xf32>
  %1 = arith.mulf %z, %0 : tensor<1x?x16xf32>
  %2 = arith.mulf %y, %1 : tensor<1x?x16xf32>
  %3 = hybrid.rms_norm %2 weight(%w : tensor<16xf32>) eps 1.0e-05 : tensor<1x?x16xf32>
  return %3 : tensor<1x?x16xf32>
}
