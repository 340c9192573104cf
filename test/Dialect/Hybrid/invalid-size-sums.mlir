// RUN: hybrid-opt %s -split-input-file -verify-diagnostics

// Sizes that are summed in a verifier must not wrap: a wrapped int64 sum can
// equal the size it is compared with, or ShapedType::kDynamic (INT64_MIN),
// which matches any size. Each case starts with what it tests.

// Tests that split sizes summing to 2^63 fail (the wrapped sum is kDynamic).
func.func @split_sum_overflows(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{'hybrid.split' op sizes [4611686018427387904, 4611686018427387904] sum past the largest int64}}
  %a, %b = hybrid.split %x [4611686018427387904, 4611686018427387904] : tensor<1x8x32xf32> -> tensor<1x8x4611686018427387904xf32>, tensor<1x8x4611686018427387904xf32>
  return
}

// -----

// Tests that an overflowing split fails with a dynamic last dim too, where
// no size check against the input can catch it.
func.func @split_sum_overflows_dynamic(%x: tensor<1x8x?xf32>) {
  // expected-error @+1 {{'hybrid.split' op sizes [9223372036854775807, 1] sum past the largest int64}}
  %a, %b = hybrid.split %x [9223372036854775807, 1] : tensor<1x8x?xf32> -> tensor<1x8x?xf32>, tensor<1x8x1xf32>
  return
}

// -----

// Tests that a split whose wrapped sum equals the input's last dim fails:
// 2^63 + 2^63 + 32 wraps to 32.
func.func @split_sum_wraps_to_last_dim(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{'hybrid.split' op sizes [4611686018427387904, 4611686018427387904, 4611686018427387904, 4611686018427387904, 32] sum past the largest int64}}
  %a, %b, %c, %d, %e = hybrid.split %x [4611686018427387904, 4611686018427387904, 4611686018427387904, 4611686018427387904, 32] : tensor<1x8x32xf32> -> tensor<1x8x?xf32>, tensor<1x8x?xf32>, tensor<1x8x?xf32>, tensor<1x8x?xf32>, tensor<1x8x32xf32>
  return
}

// -----

// Tests that linear section sizes summing past int64 fail.
func.func @linear_sections_overflow(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{'hybrid.linear' op section sizes [9223372036854775807, 64] sum past the largest int64}}
  %0 = hybrid.linear %x, %w {section_sizes = array<i64: 9223372036854775807, 64>, section_scales = array<f64: 1.0, 2.0>} : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}

// -----

// Tests that packed row counts whose wrapped sum equals the result's rows
// fail: 2^62 * 4 + 4 wraps to 4.
// expected-error @+1 {{'hybrid.packed_weight' op row counts [4611686018427387904, 4611686018427387904, 4611686018427387904, 4611686018427387904, 4] sum past the largest int64}}
%p = hybrid.packed_weight ["a", "b", "c", "d", "e"] rows [4611686018427387904, 4611686018427387904, 4611686018427387904, 4611686018427387904, 4] : tensor<4x4xf32>
