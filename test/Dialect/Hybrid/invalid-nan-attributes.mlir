// RUN: hybrid-opt %s -split-input-file -verify-diagnostics

// Float attributes that must be positive (or ordered) reject NaN: a check
// written as `x <= 0` is false for NaN and would let it through. NaN is
// written as its f64 bit pattern. Each case starts with what it tests.

// Tests that a NaN rope theta fails.
func.func @rope_theta_nan(%x: tensor<1x8x4x16xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{'hybrid.rope' op theta must be positive, got nan}}
  %0 = hybrid.rope %x at %p theta 0x7FF8000000000000 rotary_dim 16 : tensor<1x8x4x16xf32>, tensor<1xi64>
  return
}

// -----

// Tests that a NaN attention scale fails.
func.func @attention_scale_nan(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{'hybrid.attention' op scale must be positive, got nan}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0x7FF8000000000000 : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

// Tests that a NaN attention rope_theta fails.
func.func @attention_rope_theta_nan(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{'hybrid.attention' op rope_theta must be positive, got nan}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 {rotary_dim = 8 : i64, rope_theta = 0x7FF8000000000000 : f64} : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

// Tests that a NaN ssd_scan dt_min fails.
func.func @ssd_dt_min_nan(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{'hybrid.ssd_scan' op dt_min must be >= 0, got nan}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 {dt_min = 0x7FF8000000000000 : f64} : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

// Tests that a NaN ssd_scan dt_max fails.
func.func @ssd_dt_max_nan(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{'hybrid.ssd_scan' op dt_max (nan) must exceed dt_min (0)}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 {dt_min = 0.0 : f64, dt_max = 0x7FF8000000000000 : f64} : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

// Tests that a NaN norm epsilon fails (its check was already `> 0`).
func.func @rms_norm_epsilon_nan(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{'hybrid.rms_norm' op epsilon must be positive, got nan}}
  %0 = hybrid.rms_norm %x eps 0x7FF8000000000000 : tensor<1x8x32xf32>
  return
}
