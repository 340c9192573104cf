// RUN: hybrid-opt %s -split-input-file --hybrid-fold-rope-into-attention | FileCheck %s

// Tests that matching ropes of q and k at the attention's position fold in.
// CHECK-LABEL: func.func @llama
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<1x?x4x8xf32>, %[[K:[^:]+]]: tensor<1x?x2x8xf32>
// CHECK-NOT: hybrid.rope
// CHECK: hybrid.attention %[[Q]], %[[K]], {{.*}} {rope_interleaved, rope_theta = 5.000000e+05 : f64, rotary_dim = 4 : i64}
func.func @llama(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x2x8xf32>, %p: tensor<1xi64>, %c: tensor<1x16x2x8xf32>) -> tensor<1x?x4x8xf32> {
  %qr = hybrid.rope %q at %p theta 5.0e+05 rotary_dim 4 {interleaved} : tensor<1x?x4x8xf32>, tensor<1xi64>
  %kr = hybrid.rope %k at %p theta 5.0e+05 rotary_dim 4 {interleaved} : tensor<1x?x2x8xf32>, tensor<1xi64>
  %o, %k1, %v1 = hybrid.attention %qr, %kr, %k at %p cache(%c, %c) into %q scale 0.25
      : tensor<1x?x4x8xf32>, tensor<1x?x2x8xf32>, tensor<1xi64>, tensor<1x16x2x8xf32>
  return %o : tensor<1x?x4x8xf32>
}

// -----

// Tests that ropes with different theta for q and k are left alone.
// CHECK-LABEL: func.func @mismatch
// CHECK-COUNT-2: hybrid.rope
// CHECK: hybrid.attention
// CHECK-NOT: rotary_dim =
func.func @mismatch(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x2x8xf32>, %p: tensor<1xi64>, %c: tensor<1x16x2x8xf32>) -> tensor<1x?x4x8xf32> {
  %qr = hybrid.rope %q at %p theta 1.0e+04 rotary_dim 8 : tensor<1x?x4x8xf32>, tensor<1xi64>
  %kr = hybrid.rope %k at %p theta 5.0e+05 rotary_dim 8 : tensor<1x?x2x8xf32>, tensor<1xi64>
  %o, %k1, %v1 = hybrid.attention %qr, %kr, %k at %p cache(%c, %c) into %q scale 0.25
      : tensor<1x?x4x8xf32>, tensor<1x?x2x8xf32>, tensor<1xi64>, tensor<1x16x2x8xf32>
  return %o : tensor<1x?x4x8xf32>
}

// -----

// Tests that a rotated key also used elsewhere is not folded (the rope would
// have to stay anyway).
// CHECK-LABEL: func.func @shared_key
// CHECK-COUNT-2: hybrid.rope
func.func @shared_key(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x2x8xf32>, %p: tensor<1xi64>, %c: tensor<1x16x2x8xf32>)
    -> (tensor<1x?x4x8xf32>, tensor<1x?x2x8xf32>) {
  %qr = hybrid.rope %q at %p theta 1.0e+04 rotary_dim 8 : tensor<1x?x4x8xf32>, tensor<1xi64>
  %kr = hybrid.rope %k at %p theta 1.0e+04 rotary_dim 8 : tensor<1x?x2x8xf32>, tensor<1xi64>
  %o, %k1, %v1 = hybrid.attention %qr, %kr, %k at %p cache(%c, %c) into %q scale 0.25
      : tensor<1x?x4x8xf32>, tensor<1x?x2x8xf32>, tensor<1xi64>, tensor<1x16x2x8xf32>
  return %o, %kr : tensor<1x?x4x8xf32>, tensor<1x?x2x8xf32>
}

// -----

// Tests that attention without RoPE (Nemotron-H, Granite 4) is untouched.
// CHECK-LABEL: func.func @no_rope
// CHECK: hybrid.attention
// CHECK-NOT: rotary_dim =
func.func @no_rope(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x2x8xf32>, %p: tensor<1xi64>, %c: tensor<1x16x2x8xf32>) -> tensor<1x?x4x8xf32> {
  %o, %k1, %v1 = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25
      : tensor<1x?x4x8xf32>, tensor<1x?x2x8xf32>, tensor<1xi64>, tensor<1x16x2x8xf32>
  return %o : tensor<1x?x4x8xf32>
}
