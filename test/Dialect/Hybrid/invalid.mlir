// RUN: hybrid-opt %s -split-input-file -verify-diagnostics

// Every verifier message of the dialect, at least once. Messages are copied
// from HybridOps.cpp; each case starts with what it tests.

// Tests that a weight needs a name.
// expected-error @+1 {{'hybrid.weight' op name must not be empty}}
%w = hybrid.weight "" : tensor<4xf32>

// -----

// Tests that a weight's shape is static.
// expected-error @+1 {{weight 'w' must have a static shape, got 'tensor<?x4xf32>'}}
%w = hybrid.weight "w" : tensor<?x4xf32>

// -----

// Tests that a stacked weight has names.
// expected-error @+1 {{'hybrid.stacked_weight' op names must not be empty}}
%w = hybrid.stacked_weight [] : tensor<0x4xf32>

// -----

// Tests that every stacked name is non-empty.
// expected-error @+1 {{name #1 must not be empty}}
%w = hybrid.stacked_weight ["a", ""] : tensor<2x4xf32>

// -----

// Tests that the stack's leading dim counts the names.
// expected-error @+1 {{result must have static shape [2, ...] (one slice per name), got 'tensor<3x4xf32>'}}
%w = hybrid.stacked_weight ["a", "b"] : tensor<3x4xf32>

// -----

// Tests that packing needs two tensors.
// expected-error @+1 {{'hybrid.packed_weight' op packs at least 2 tensors, got 1}}
%p = hybrid.packed_weight ["a"] rows [4] : tensor<4x4xf32>

// -----

// Tests that every packed name is non-empty.
// expected-error @+1 {{'hybrid.packed_weight' op name #0 must not be empty}}
%p = hybrid.packed_weight ["", "b"] rows [2, 2] : tensor<4x4xf32>

// -----

// Tests that a packed weight has a static shape.
// expected-error @+1 {{'hybrid.packed_weight' op result must have a static shape, got 'tensor<?x4xf32>'}}
%p = hybrid.packed_weight ["a", "b"] rows [2, 2] : tensor<?x4xf32>

// -----

// Tests that packing gives one row count per name.
// expected-error @+1 {{'hybrid.packed_weight' op has 2 names but 3 row counts}}
%p = hybrid.packed_weight ["a", "b"] rows [2, 1, 1] : tensor<4x4xf32>

// -----

// Tests that row counts are positive.
// expected-error @+1 {{'hybrid.packed_weight' op row counts must be positive, got [4, 0]}}
%p = hybrid.packed_weight ["a", "b"] rows [4, 0] : tensor<4x4xf32>

// -----

// Tests that row counts add up to the result's rows.
// expected-error @+1 {{'hybrid.packed_weight' op row counts [2, 3] sum to 5, not the result's 4}}
%p = hybrid.packed_weight ["a", "b"] rows [2, 3] : tensor<4x4xf32>

// -----

func.func @embedding_table_rank(%t: tensor<128xf32>, %ids: tensor<1x8xi64>) {
  // expected-error @+1 {{table must have rank 2 [vocab, dim], got 'tensor<128xf32>'}}
  %0 = hybrid.embedding %t[%ids] : tensor<128xf32>, tensor<1x8xi64> -> tensor<1x8x4xf32>
  return
}

// -----

func.func @embedding_result_shape(%t: tensor<128x32xf32>, %ids: tensor<1x8xi64>) {
  // expected-error @+1 {{result must have shape [ids..., dim] = [1, 8, 32], got 'tensor<1x8x16xf32>'}}
  %0 = hybrid.embedding %t[%ids] : tensor<128x32xf32>, tensor<1x8xi64> -> tensor<1x8x16xf32>
  return
}

// -----

func.func @embedding_element_type(%t: tensor<128x32xf32>, %ids: tensor<1x8xi64>) {
  // expected-error @+1 {{result element type 'bf16' is narrower than the table's 'f32'}}
  %0 = hybrid.embedding %t[%ids] : tensor<128x32xf32>, tensor<1x8xi64> -> tensor<1x8x32xbf16>
  return
}

// -----

func.func @linear_input_rank(%x: tensor<f32>, %w: tensor<4x4xf32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = hybrid.linear %x, %w : tensor<f32>, tensor<4x4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<1x8x32xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{weight must have rank 2 [out, in], got 'tensor<32xf32>'}}
  %0 = hybrid.linear %x, %w : tensor<1x8x32xf32>, tensor<32xf32> -> tensor<1x8x32xf32>
  return
}

// -----

func.func @linear_weight_in(%x: tensor<1x8x32xf32>, %w: tensor<64x16xf32>) {
  // expected-error @+1 {{weight must have shape [out, in] = [64, 32], got 'tensor<64x16xf32>'}}
  %0 = hybrid.linear %x, %w : tensor<1x8x32xf32>, tensor<64x16xf32> -> tensor<1x8x64xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{bias must have shape [out] = [64], got 'tensor<32xf32>'}}
  %0 = hybrid.linear %x, %w bias(%b : tensor<32xf32>) : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{result must have shape [..., out] = [1, 8, 64], got 'tensor<1x8x32xf32>'}}
  %0 = hybrid.linear %x, %w : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x32xf32>
  return
}

// -----

func.func @linear_section_alone(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{section_sizes and section_scales go together}}
  %0 = hybrid.linear %x, %w {section_sizes = array<i64: 32, 32>} : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}

// -----

func.func @linear_section_count(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{has 2 section sizes but 3 section scales}}
  %0 = hybrid.linear %x, %w {section_sizes = array<i64: 32, 32>, section_scales = array<f64: 1.0, 2.0, 3.0>} : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}

// -----

func.func @linear_section_positive(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{section sizes must be positive, got [64, 0]}}
  %0 = hybrid.linear %x, %w {section_sizes = array<i64: 64, 0>, section_scales = array<f64: 1.0, 2.0>} : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}

// -----

func.func @linear_section_sum(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{section sizes [32, 16] sum to 48 but the weight has 64 rows [out]}}
  %0 = hybrid.linear %x, %w {section_sizes = array<i64: 32, 16>, section_scales = array<f64: 1.0, 2.0>} : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}

// -----

func.func @linear_result_type(%x: tensor<1x8x32xf32>, %w: tensor<64x32xbf16>) {
  // expected-error @+1 {{result element type must match the input's 'f32'}}
  %0 = hybrid.linear %x, %w : tensor<1x8x32xf32>, tensor<64x32xbf16> -> tensor<1x8x64xbf16>
  return
}

// -----

func.func @split_count(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{has 3 sizes but 2 results}}
  %a, %b = hybrid.split %x [8, 8, 16] : tensor<1x8x32xf32> -> tensor<1x8x8xf32>, tensor<1x8x8xf32>
  return
}

// -----

func.func @split_positive(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{sizes must be positive, got [0, 32]}}
  %a, %b = hybrid.split %x [0, 32] : tensor<1x8x32xf32> -> tensor<1x8x0xf32>, tensor<1x8x32xf32>
  return
}

// -----

func.func @split_sum(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{sizes [8, 8] sum to 16 but the input's last dim is 32}}
  %a, %b = hybrid.split %x [8, 8] : tensor<1x8x32xf32> -> tensor<1x8x8xf32>, tensor<1x8x8xf32>
  return
}

// -----

func.func @split_result(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{result #1 must have shape [..., size] = [1, 8, 24], got 'tensor<1x8x8xf32>'}}
  %a, %b = hybrid.split %x [8, 24] : tensor<1x8x32xf32> -> tensor<1x8x8xf32>, tensor<1x8x8xf32>
  return
}

// -----

func.func @activation_kind(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [silu, gelu, gelu_tanh, relu, relu2, sigmoid, softplus, identity]}}
  %0 = hybrid.activation swish %x : tensor<4xf32>
  return
}

// -----

func.func @activation_types(%x: tensor<4xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "hybrid.activation"(%x) <{kind = 0 : i32}> : (tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

func.func @scale_types(%x: tensor<4xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "hybrid.scale"(%x) <{factor = 2.0 : f64}> : (tensor<4xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @rms_norm_eps(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{'hybrid.rms_norm' op epsilon must be positive, got 0}}
  %0 = hybrid.rms_norm %x eps 0.0 : tensor<1x8x32xf32>
  return
}

// -----

func.func @rms_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{weight must have the shape of the trailing dims of the input [1, 8, 32], got 'tensor<16xf32>'}}
  %0 = hybrid.rms_norm %x weight(%w : tensor<16xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}

// -----

func.func @rms_norm_bias(%x: tensor<1x8x32xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'hybrid.rms_norm' op bias must have the shape of the trailing dims of the input [1, 8, 32], got 'tensor<8xf32>'}}
  %0 = hybrid.rms_norm %x bias(%b : tensor<8xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}

// -----

func.func @rms_norm_rank(%x: tensor<f32>) {
  // expected-error @+1 {{'hybrid.rms_norm' op input must have rank >= 1}}
  %0 = hybrid.rms_norm %x eps 1.0e-5 : tensor<f32>
  return
}

// -----

func.func @layer_norm_eps(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{'hybrid.layer_norm' op epsilon must be positive, got -1}}
  %0 = hybrid.layer_norm %x eps -1.0 : tensor<1x8x32xf32>
  return
}

// -----

func.func @layer_norm_bias(%x: tensor<1x8x32xf32>, %b: tensor<8x16xf32>) {
  // expected-error @+1 {{bias must have the shape of the trailing dims of the input [1, 8, 32], got 'tensor<8x16xf32>'}}
  %0 = hybrid.layer_norm %x bias(%b : tensor<8x16xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}

// -----

func.func @layer_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<2x1x8x32xf32>) {
  // expected-error @+1 {{weight must have the shape of the trailing dims of the input [1, 8, 32], got 'tensor<2x1x8x32xf32>'}}
  %0 = hybrid.layer_norm %x weight(%w : tensor<2x1x8x32xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}

// -----

func.func @add_rms_norm_eps(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{'hybrid.add_rms_norm' op epsilon must be positive, got 0}}
  %0, %1 = hybrid.add_rms_norm %x, %x eps 0.0 : tensor<1x8x32xf32>
  return
}

// -----

func.func @add_rms_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'hybrid.add_rms_norm' op weight must have the shape of the trailing dims of the input [1, 8, 32], got 'tensor<64xf32>'}}
  %0, %1 = hybrid.add_rms_norm %x, %x weight(%w : tensor<64xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}

// -----

func.func @add_rms_norm_types(%x: tensor<1x8x32xf32>, %r: tensor<1x8x16xf32>) {
  // expected-error @+1 {{all of {input, residual, result, sum} have same type}}
  %0, %1 = "hybrid.add_rms_norm"(%x, %r) <{epsilon = 1.0e-5 : f64}> : (tensor<1x8x32xf32>, tensor<1x8x16xf32>) -> (tensor<1x8x32xf32>, tensor<1x8x32xf32>)
  return
}

// -----

func.func @add_layer_norm_eps(%x: tensor<1x8x32xf32>) {
  // expected-error @+1 {{'hybrid.add_layer_norm' op epsilon must be positive, got 0}}
  %0, %1 = hybrid.add_layer_norm %x, %x eps 0.0 : tensor<1x8x32xf32>
  return
}

// -----

func.func @add_layer_norm_bias(%x: tensor<1x8x32xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'hybrid.add_layer_norm' op bias must have the shape of the trailing dims of the input [1, 8, 32], got 'tensor<16xf32>'}}
  %0, %1 = hybrid.add_layer_norm %x, %x bias(%b : tensor<16xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}

// -----

func.func @add_layer_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'hybrid.add_layer_norm' op weight must have the shape of the trailing dims of the input [1, 8, 32], got 'tensor<8xf32>'}}
  %0, %1 = hybrid.add_layer_norm %x, %x weight(%w : tensor<8xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}

// -----

func.func @gated_rms_norm_eps(%x: tensor<1x8x32xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'hybrid.gated_rms_norm' op epsilon must be positive, got 0}}
  %0 = hybrid.gated_rms_norm %x, %x weight %w eps 0.0 group_size 32 : tensor<1x8x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @gated_rms_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{weight must have shape [features] = [32], got 'tensor<16xf32>'}}
  %0 = hybrid.gated_rms_norm %x, %x weight %w eps 1.0e-5 group_size 32 : tensor<1x8x32xf32>, tensor<16xf32>
  return
}

// -----

func.func @gated_rms_norm_group_positive(%x: tensor<1x8x32xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{group_size must be positive, got 0}}
  %0 = hybrid.gated_rms_norm %x, %x weight %w eps 1.0e-5 group_size 0 : tensor<1x8x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @gated_rms_norm_group_divides(%x: tensor<1x8x32xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{group_size 12 must divide the feature count 32}}
  %0 = hybrid.gated_rms_norm %x, %x weight %w eps 1.0e-5 group_size 12 : tensor<1x8x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @rope_rank(%x: tensor<1x8x64xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{input must have rank 4 [batch, seq, heads, head_dim], got 'tensor<1x8x64xf32>'}}
  %0 = hybrid.rope %x at %p theta 1.0e4 rotary_dim 16 : tensor<1x8x64xf32>, tensor<1xi64>
  return
}

// -----

func.func @rope_position(%x: tensor<2x8x4x16xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{position must have shape [batch] = [2], got 'tensor<1xi64>'}}
  %0 = hybrid.rope %x at %p theta 1.0e4 rotary_dim 16 : tensor<2x8x4x16xf32>, tensor<1xi64>
  return
}

// -----

func.func @rope_odd(%x: tensor<1x8x4x16xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{rotary_dim must be positive and even, got 7}}
  %0 = hybrid.rope %x at %p theta 1.0e4 rotary_dim 7 : tensor<1x8x4x16xf32>, tensor<1xi64>
  return
}

// -----

func.func @rope_too_wide(%x: tensor<1x8x4x16xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{rotary_dim 32 exceeds the head dim 16}}
  %0 = hybrid.rope %x at %p theta 1.0e4 rotary_dim 32 : tensor<1x8x4x16xf32>, tensor<1xi64>
  return
}

// -----

func.func @rope_theta(%x: tensor<1x8x4x16xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{theta must be positive, got 0}}
  %0 = hybrid.rope %x at %p theta 0.0 rotary_dim 16 : tensor<1x8x4x16xf32>, tensor<1xi64>
  return
}

// -----

func.func @attention_query_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{query must have rank 4 [batch, seq, heads, head_dim], got 'tensor<1x8x64xf32>'}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 : tensor<1x8x64xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

func.func @attention_key(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x8xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x8xf32>) {
  // expected-error @+1 {{key must have shape [batch, seq, kv_heads, head_dim] = [1, 8, ?, 16], got 'tensor<1x8x2x8xf32>'}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 : tensor<1x8x4x16xf32>, tensor<1x8x2x8xf32>, tensor<1xi64>, tensor<1x64x2x8xf32>
  return
}

// -----

func.func @attention_gqa(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x3x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x3x16xf32>) {
  // expected-error @+1 {{kv_heads (3) must divide the query heads (4)}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 : tensor<1x8x4x16xf32>, tensor<1x8x3x16xf32>, tensor<1xi64>, tensor<1x64x3x16xf32>
  return
}

// -----

func.func @attention_cache(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x4x16xf32>) {
  // expected-error @+1 {{key_cache must have shape [batch, max_seq, kv_heads, head_dim] = [1, ?, 2, 16], got 'tensor<1x64x4x16xf32>'}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x4x16xf32>
  return
}

// -----

func.func @attention_position(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<2xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{position must have shape [batch] = [1], got 'tensor<2xi64>'}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<2xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{scale must be positive, got 0}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.0 : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

func.func @attention_window(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{window must be >= 0 (0 = no window), got -4}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 window -4 : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

func.func @attention_sink(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{sink must be >= 0, got -1}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 window 4 sink -1 : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

func.func @attention_sink_window(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{sink tokens need a sliding window}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 sink 4 : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

func.func @attention_rotary_odd(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{rotary_dim must be even and in [0, head_dim], got 7}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 {rotary_dim = 7 : i64, rope_theta = 1.0e4 : f64} : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

func.func @attention_rope_theta(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{rope_theta is required with, and only with, rotary_dim > 0}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 {rotary_dim = 8 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

func.func @attention_rope_theta_positive(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  // expected-error @+1 {{rope_theta must be positive, got -1}}
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 {rotary_dim = 8 : i64, rope_theta = -1.0 : f64} : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}

// -----

func.func @attention_init(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>, %i: tensor<1x8x4x8xf32>) {
  // expected-error @+1 {{all of {query, init, result} have same type}}
  %o, %kc, %vc = "hybrid.attention"(%q, %k, %k, %p, %i, %c, %c) <{scale = 0.25 : f64}> : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x8x4x8xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>)
  return
}

// -----

func.func @conv_rank(%x: tensor<8x64xf32>, %w: tensor<64x4xf32>, %s: tensor<1x64x3xf32>) {
  // expected-error @+1 {{input must have rank 3 [batch, seq, channels], got 'tensor<8x64xf32>'}}
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<8x64xf32>, tensor<64x4xf32>, tensor<1x64x3xf32>
  return
}

// -----

func.func @conv_weight(%x: tensor<1x8x64xf32>, %w: tensor<32x4xf32>, %s: tensor<1x64x3xf32>) {
  // expected-error @+1 {{weight must have shape [channels, width] = [64, ?], got 'tensor<32x4xf32>'}}
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<1x8x64xf32>, tensor<32x4xf32>, tensor<1x64x3xf32>
  return
}

// -----

func.func @conv_width(%x: tensor<1x8x64xf32>, %w: tensor<64x1xf32>, %s: tensor<1x64x0xf32>) {
  // expected-error @+1 {{kernel width must be >= 2, got 1}}
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<1x8x64xf32>, tensor<64x1xf32>, tensor<1x64x0xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x8x64xf32>, %w: tensor<64x4xf32>, %b: tensor<32xf32>, %s: tensor<1x64x3xf32>) {
  // expected-error @+1 {{bias must have shape [channels] = [64], got 'tensor<32xf32>'}}
  %y, %s1 = hybrid.causal_conv1d %x, %w bias(%b : tensor<32xf32>) state %s into %x : tensor<1x8x64xf32>, tensor<64x4xf32>, tensor<1x64x3xf32>
  return
}

// -----

func.func @conv_state(%x: tensor<1x8x64xf32>, %w: tensor<64x4xf32>, %s: tensor<1x64x4xf32>) {
  // expected-error @+1 {{state must have shape [batch, channels, width - 1] = [1, 64, 3], got 'tensor<1x64x4xf32>'}}
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<1x8x64xf32>, tensor<64x4xf32>, tensor<1x64x4xf32>
  return
}

// -----

func.func @conv_activation(%x: tensor<1x8x64xf32>, %w: tensor<64x4xf32>, %s: tensor<1x64x3xf32>) {
  // expected-error @+1 {{activation must be identity or silu, got relu}}
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x activation relu : tensor<1x8x64xf32>, tensor<64x4xf32>, tensor<1x64x3xf32>
  return
}

// -----

func.func @scan_rank(%u: tensor<8x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x8x16xf32>, %h: tensor<1x64x16xf32>) {
  // expected-error @+1 {{'hybrid.selective_scan' op input must have rank 3 [batch, seq, channels], got 'tensor<8x64xf32>'}}
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b state %h into %u : tensor<8x64xf32>, tensor<64x16xf32>, tensor<1x8x16xf32>, tensor<1x64x16xf32>
  return
}

// -----

func.func @scan_a(%u: tensor<1x8x64xf32>, %a: tensor<32x16xf32>, %b: tensor<1x8x16xf32>, %h: tensor<1x64x16xf32>) {
  // expected-error @+1 {{a must have shape [channels, state_dim] = [64, ?], got 'tensor<32x16xf32>'}}
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b state %h into %u : tensor<1x8x64xf32>, tensor<32x16xf32>, tensor<1x8x16xf32>, tensor<1x64x16xf32>
  return
}

// -----

func.func @scan_b(%u: tensor<1x8x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x8x8xf32>, %h: tensor<1x64x16xf32>) {
  // expected-error @+1 {{b must have shape [batch, seq, state_dim] = [1, 8, 16], got 'tensor<1x8x8xf32>'}}
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b state %h into %u : tensor<1x8x64xf32>, tensor<64x16xf32>, tensor<1x8x8xf32>, tensor<1x64x16xf32>
  return
}

// -----

func.func @scan_skip(%u: tensor<1x8x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x8x16xf32>, %d: tensor<16xf32>, %h: tensor<1x64x16xf32>) {
  // expected-error @+1 {{skip must have shape [channels] = [64], got 'tensor<16xf32>'}}
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b skip(%d : tensor<16xf32>) state %h into %u : tensor<1x8x64xf32>, tensor<64x16xf32>, tensor<1x8x16xf32>, tensor<1x64x16xf32>
  return
}

// -----

func.func @scan_gate(%u: tensor<1x8x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x8x16xf32>, %z: tensor<1x4x64xf32>, %h: tensor<1x64x16xf32>) {
  // expected-error @+1 {{gate must have shape [batch, seq, channels] = [1, 8, 64], got 'tensor<1x4x64xf32>'}}
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b gate(%z : tensor<1x4x64xf32>) state %h into %u : tensor<1x8x64xf32>, tensor<64x16xf32>, tensor<1x8x16xf32>, tensor<1x64x16xf32>
  return
}

// -----

func.func @scan_delta_bias(%u: tensor<1x8x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x8x16xf32>, %db: tensor<8xf32>, %h: tensor<1x64x16xf32>) {
  // expected-error @+1 {{delta_bias must have shape [channels] = [64], got 'tensor<8xf32>'}}
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b delta_bias(%db : tensor<8xf32>) state %h into %u : tensor<1x8x64xf32>, tensor<64x16xf32>, tensor<1x8x16xf32>, tensor<1x64x16xf32>
  return
}

// -----

func.func @scan_state(%u: tensor<1x8x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x8x16xf32>, %h: tensor<1x16x64xf32>) {
  // expected-error @+1 {{state must have shape [batch, channels, state_dim] = [1, 64, 16], got 'tensor<1x16x64xf32>'}}
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b state %h into %u : tensor<1x8x64xf32>, tensor<64x16xf32>, tensor<1x8x16xf32>, tensor<1x16x64xf32>
  return
}

// -----

func.func @ssd_rank(%x: tensor<1x8x64xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{'hybrid.ssd_scan' op input must have rank 4 [batch, seq, heads, head_dim], got 'tensor<1x8x64xf32>'}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 : tensor<1x8x64xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_dt(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x2xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{dt must have shape [batch, seq, heads] = [1, 8, 4], got 'tensor<1x8x2xf32>'}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 : tensor<1x8x4x16xf32>, tensor<1x8x2xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_a(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4x16xf32>, %b: tensor<1x8x1x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{a must have shape [heads] = [4], got 'tensor<4x16xf32>'}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4x16xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_b(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{b must have shape [batch, seq, groups, state_dim] = [1, 8, ?, ?], got 'tensor<1x8x16xf32>'}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_groups(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x3x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{groups (3) must divide the heads (4)}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x3x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_skip(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %d: tensor<64xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{skip must have shape [heads] = [4], got 'tensor<64xf32>'}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b skip(%d : tensor<64xf32>) state %s into %x chunk_size 8 : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_gate(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %z: tensor<1x8x64xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{gate must have shape [batch, seq, heads, head_dim] = [1, 8, 4, 16], got 'tensor<1x8x64xf32>'}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b gate(%z : tensor<1x8x64xf32>) state %s into %x chunk_size 8 : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_dt_bias(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %db: tensor<8xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{dt_bias must have shape [heads] = [4], got 'tensor<8xf32>'}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b dt_bias(%db : tensor<8xf32>) state %s into %x chunk_size 8 : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_state(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %s: tensor<1x4x16x8xf32>) {
  // expected-error @+1 {{state must have shape [batch, heads, head_dim, state_dim] = [1, 4, 16, 16], got 'tensor<1x4x16x8xf32>'}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x8xf32>
  return
}

// -----

func.func @ssd_chunk(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{chunk_size must be positive, got 0}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 0 : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_dt_min(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{dt_min must be >= 0, got -1}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 {dt_min = -1.0 : f64} : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @ssd_dt_max(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %s: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{dt_max (0.5) must exceed dt_min (1)}}
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 8 {dt_min = 1.0 : f64, dt_max = 0.5 : f64} : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}

// -----

func.func @gated_mlp_gate(%x: tensor<1x8x32xf32>, %g: tensor<64x16xf32>, %u: tensor<64x32xf32>, %d: tensor<32x64xf32>) {
  // expected-error @+1 {{gate must have shape [hidden, dim] = [?, 32], got 'tensor<64x16xf32>'}}
  %0 = hybrid.gated_mlp %x, %g, %u, %d activation silu : tensor<1x8x32xf32>, tensor<64x16xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x8x32xf32>
  return
}

// -----

func.func @gated_mlp_up(%x: tensor<1x8x32xf32>, %g: tensor<64x32xf32>, %u: tensor<48x32xf32>, %d: tensor<32x64xf32>) {
  // expected-error @+1 {{up must have shape [hidden, dim] = [64, 32], got 'tensor<48x32xf32>'}}
  %0 = hybrid.gated_mlp %x, %g, %u, %d activation silu : tensor<1x8x32xf32>, tensor<64x32xf32>, tensor<48x32xf32>, tensor<32x64xf32> -> tensor<1x8x32xf32>
  return
}

// -----

func.func @gated_mlp_down(%x: tensor<1x8x32xf32>, %g: tensor<64x32xf32>, %d: tensor<32x48xf32>) {
  // expected-error @+1 {{down must have shape [out, hidden] = [?, 64], got 'tensor<32x48xf32>'}}
  %0 = hybrid.gated_mlp %x, %g, %g, %d activation silu : tensor<1x8x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x48xf32> -> tensor<1x8x32xf32>
  return
}

// -----

func.func @gated_mlp_result(%x: tensor<1x8x32xf32>, %g: tensor<64x32xf32>, %d: tensor<16x64xf32>) {
  // expected-error @+1 {{result must have shape [..., out] = [1, 8, 16], got 'tensor<1x8x32xf32>'}}
  %0 = hybrid.gated_mlp %x, %g, %g, %d activation silu : tensor<1x8x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<16x64xf32> -> tensor<1x8x32xf32>
  return
}

// -----

func.func @gated_mlp_rank(%x: tensor<f32>, %g: tensor<64x32xf32>, %d: tensor<32x64xf32>) {
  // expected-error @+1 {{'hybrid.gated_mlp' op input must have rank >= 1}}
  %0 = hybrid.gated_mlp %x, %g, %g, %d activation silu : tensor<f32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32xf32>
  return
}

// -----

func.func @moe_router(%x: tensor<1x8x32xf32>, %r: tensor<4x16xf32>, %u: tensor<4x64x32xf32>, %d: tensor<4x32x64xf32>) {
  // expected-error @+1 {{router must have shape [experts, dim] = [?, 32], got 'tensor<4x16xf32>'}}
  %0 = hybrid.moe %x router %r up %u down %d top_k 2 activation silu : tensor<1x8x32xf32>, tensor<4x16xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  return
}

// -----

func.func @moe_up(%x: tensor<1x8x32xf32>, %r: tensor<4x32xf32>, %u: tensor<8x64x32xf32>, %d: tensor<4x32x64xf32>) {
  // expected-error @+1 {{up must have shape [experts, hidden, dim] = [4, ?, 32], got 'tensor<8x64x32xf32>'}}
  %0 = hybrid.moe %x router %r up %u down %d top_k 2 activation silu : tensor<1x8x32xf32>, tensor<4x32xf32>, tensor<8x64x32xf32>, tensor<4x32x64xf32>
  return
}

// -----

func.func @moe_gate(%x: tensor<1x8x32xf32>, %r: tensor<4x32xf32>, %g: tensor<4x48x32xf32>, %u: tensor<4x64x32xf32>, %d: tensor<4x32x64xf32>) {
  // expected-error @+1 {{gate must have shape [experts, hidden, dim] = [4, 64, 32], got 'tensor<4x48x32xf32>'}}
  %0 = hybrid.moe %x router %r gate(%g : tensor<4x48x32xf32>) up %u down %d top_k 2 activation silu : tensor<1x8x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  return
}

// -----

func.func @moe_down(%x: tensor<1x8x32xf32>, %r: tensor<4x32xf32>, %u: tensor<4x64x32xf32>, %d: tensor<4x64x32xf32>) {
  // expected-error @+1 {{down must have shape [experts, dim, hidden] = [4, 32, 64], got 'tensor<4x64x32xf32>'}}
  %0 = hybrid.moe %x router %r up %u down %d top_k 2 activation silu : tensor<1x8x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @moe_top_k(%x: tensor<1x8x32xf32>, %r: tensor<4x32xf32>, %u: tensor<4x64x32xf32>, %d: tensor<4x32x64xf32>) {
  // expected-error @+1 {{top_k must be in [1, 4], got 5}}
  %0 = hybrid.moe %x router %r up %u down %d top_k 5 activation silu : tensor<1x8x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  return
}

// -----

func.func @moe_rank(%x: tensor<f32>, %r: tensor<4x32xf32>, %u: tensor<4x64x32xf32>, %d: tensor<4x32x64xf32>) {
  // expected-error @+1 {{'hybrid.moe' op input must have rank >= 1}}
  %0 = hybrid.moe %x router %r up %u down %d top_k 2 activation silu : tensor<f32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  return
}

// -----

func.func @moe_selection_bias(%x: tensor<1x8x32xf32>, %r: tensor<4x32xf32>, %u: tensor<4x64x32xf32>, %d: tensor<4x32x64xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{selection_bias must have shape [experts] = [4], got 'tensor<8xf32>'}}
  %0 = hybrid.moe %x router %r up %u down %d top_k 2 activation relu2 scoring sigmoid selection_bias(%b : tensor<8xf32>) : tensor<1x8x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  return
}

// -----

func.func @argmax_result(%l: tensor<1x8x128xf32>) {
  // expected-error @+1 {{result must have shape [...] = [1, 8], got 'tensor<1x128xi64>'}}
  %0 = hybrid.argmax %l : tensor<1x8x128xf32> -> tensor<1x128xi64>
  return
}

// -----

func.func @argmax_rank(%l: tensor<f32>) {
  // expected-error @+1 {{'hybrid.argmax' op input must have rank >= 1}}
  %0 = hybrid.argmax %l : tensor<f32> -> tensor<i64>
  return
}

// -----

func.func @linear_argmax_weight_rank(%h: tensor<1x1x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{weight must have rank 2 [vocab, in], got 'tensor<64xf32>'}}
  %0 = hybrid.linear_argmax %h, %w : tensor<1x1x64xf32>, tensor<64xf32> -> tensor<1x1xi64>
  return
}

// -----

func.func @linear_argmax_weight_in(%h: tensor<1x1x64xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+1 {{weight must have shape [vocab, in] = [128, 64], got 'tensor<128x32xf32>'}}
  %0 = hybrid.linear_argmax %h, %w : tensor<1x1x64xf32>, tensor<128x32xf32> -> tensor<1x1xi64>
  return
}

// -----

func.func @linear_argmax_result(%h: tensor<2x1x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{result must have shape [...] = [2, 1], got 'tensor<2x128xi64>'}}
  %0 = hybrid.linear_argmax %h, %w : tensor<2x1x64xf32>, tensor<128x64xf32> -> tensor<2x128xi64>
  return
}
