// RUN: hybrid-opt %s | hybrid-opt | FileCheck %s
// RUN: hybrid-opt %s --mlir-print-op-generic | hybrid-opt | FileCheck %s
// RUN: hybrid-opt %s --emit-bytecode | hybrid-opt | FileCheck %s

// Round-trips every op of the dialect through the custom form, the generic
// form and bytecode.

// CHECK-LABEL: func.func @weights
func.func @weights() -> (tensor<64x32xbf16>, tensor<2x16x32xf32>) {
  // CHECK: hybrid.weight "model.layers.0.self_attn.q_proj.weight" : tensor<64x32xbf16>
  %w = hybrid.weight "model.layers.0.self_attn.q_proj.weight" : tensor<64x32xbf16>
  // CHECK: hybrid.stacked_weight ["e.0.up.weight", "e.1.up.weight"] : tensor<2x16x32xf32>
  %s = hybrid.stacked_weight ["e.0.up.weight", "e.1.up.weight"] : tensor<2x16x32xf32>
  // CHECK: hybrid.packed_weight ["q.weight", "k.weight"] rows [32, 16] : tensor<48x32xf32>
  %p = hybrid.packed_weight ["q.weight", "k.weight"] rows [32, 16] : tensor<48x32xf32>
  return %w, %s : tensor<64x32xbf16>, tensor<2x16x32xf32>
}

// CHECK-LABEL: func.func @projections
func.func @projections(%table: tensor<128x32xf32>, %ids: tensor<1x?xi64>,
                       %w: tensor<96x32xbf16>, %b: tensor<96xf32>) -> tensor<1x?x32xf32> {
  // CHECK: hybrid.embedding %{{.*}}[%{{.*}}] : tensor<128x32xf32>, tensor<1x?xi64> -> tensor<1x?x32xf32>
  %h = hybrid.embedding %table[%ids] : tensor<128x32xf32>, tensor<1x?xi64> -> tensor<1x?x32xf32>
  // CHECK: hybrid.embedding %{{.*}}[%{{.*}}] {output_scale = 1.750000e+00 : f64} : tensor<128x32xf32>, tensor<1x?xi64> -> tensor<1x?x32xf32>
  %hs = hybrid.embedding %table[%ids] {output_scale = 1.75 : f64} : tensor<128x32xf32>, tensor<1x?xi64> -> tensor<1x?x32xf32>
  // CHECK: hybrid.linear %{{.*}}, %{{.*}} : tensor<1x?x32xf32>, tensor<96x32xbf16> -> tensor<1x?x96xf32>
  %p = hybrid.linear %h, %w : tensor<1x?x32xf32>, tensor<96x32xbf16> -> tensor<1x?x96xf32>
  // CHECK: hybrid.linear %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<96xf32>) : tensor<1x?x32xf32>, tensor<96x32xbf16> -> tensor<1x?x96xf32>
  %pb = hybrid.linear %h, %w bias(%b : tensor<96xf32>) : tensor<1x?x32xf32>, tensor<96x32xbf16> -> tensor<1x?x96xf32>
  // CHECK: hybrid.linear %{{.*}}, %{{.*}} {section_scales = array<f64: 1.000000e+00, 5.000000e-01>, section_sizes = array<i64: 64, 32>} : tensor<1x?x32xf32>, tensor<96x32xbf16> -> tensor<1x?x96xf32>
  %ps = hybrid.linear %h, %w {section_sizes = array<i64: 64, 32>, section_scales = array<f64: 1.0, 0.5>} : tensor<1x?x32xf32>, tensor<96x32xbf16> -> tensor<1x?x96xf32>
  // CHECK: hybrid.split %{{.*}} [32, 64] : tensor<1x?x96xf32> -> tensor<1x?x32xf32>, tensor<1x?x64xf32>
  %a, %c = hybrid.split %pb [32, 64] : tensor<1x?x96xf32> -> tensor<1x?x32xf32>, tensor<1x?x64xf32>
  return %a : tensor<1x?x32xf32>
}

// CHECK-LABEL: func.func @pointwise
func.func @pointwise(%x: tensor<1x?x32xf32>) -> tensor<1x?x32xf32> {
  // CHECK: hybrid.activation silu %{{.*}} : tensor<1x?x32xf32>
  %0 = hybrid.activation silu %x : tensor<1x?x32xf32>
  // CHECK: hybrid.activation relu2 %{{.*}} : tensor<1x?x32xf32>
  %1 = hybrid.activation relu2 %0 : tensor<1x?x32xf32>
  // CHECK: hybrid.activation gelu_tanh %{{.*}} : tensor<1x?x32xf32>
  %2 = hybrid.activation gelu_tanh %1 : tensor<1x?x32xf32>
  // CHECK: hybrid.scale %{{.*}} by 1.250000e+00 : tensor<1x?x32xf32>
  %3 = hybrid.scale %2 by 1.25 : tensor<1x?x32xf32>
  return %3 : tensor<1x?x32xf32>
}

// CHECK-LABEL: func.func @norms
func.func @norms(%x: tensor<1x?x32xf32>, %r: tensor<1x?x32xf32>, %z: tensor<1x?x32xf32>,
                 %w: tensor<32xf32>, %b: tensor<32xf32>, %hw: tensor<4x8xf32>,
                 %xh: tensor<1x?x4x8xf32>) -> tensor<1x?x32xf32> {
  // CHECK: hybrid.rms_norm %{{.*}} weight(%{{.*}} : tensor<32xf32>) eps 1.000000e-05 : tensor<1x?x32xf32>
  %0 = hybrid.rms_norm %x weight(%w : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  // CHECK: hybrid.rms_norm %{{.*}} eps 9.9999999999999995E-7 : tensor<1x?x32xf32>
  %1 = hybrid.rms_norm %0 eps 1.0e-06 : tensor<1x?x32xf32>
  // CHECK: hybrid.rms_norm %{{.*}} weight(%{{.*}} : tensor<4x8xf32>) eps 1.000000e-05 : tensor<1x?x4x8xf32>
  %h = hybrid.rms_norm %xh weight(%hw : tensor<4x8xf32>) eps 1.0e-05 : tensor<1x?x4x8xf32>
  // CHECK: hybrid.rms_norm %{{.*}} weight(%{{.*}} : tensor<32xf32>) bias(%{{.*}} : tensor<32xf32>) eps 1.000000e-05 : tensor<1x?x32xf32>
  %hb = hybrid.rms_norm %x weight(%w : tensor<32xf32>) bias(%b : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  // CHECK: hybrid.layer_norm %{{.*}} weight(%{{.*}} : tensor<32xf32>) bias(%{{.*}} : tensor<32xf32>) eps 1.000000e-05 : tensor<1x?x32xf32>
  %2 = hybrid.layer_norm %1 weight(%w : tensor<32xf32>) bias(%b : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  // CHECK: hybrid.layer_norm %{{.*}} eps 1.000000e-05 : tensor<1x?x32xf32>
  %3 = hybrid.layer_norm %2 eps 1.0e-05 : tensor<1x?x32xf32>
  // CHECK: hybrid.add_rms_norm %{{.*}}, %{{.*}} weight(%{{.*}} : tensor<32xf32>) eps 1.000000e-05 : tensor<1x?x32xf32>
  %4, %sum = hybrid.add_rms_norm %3, %r weight(%w : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  // CHECK: hybrid.add_layer_norm %{{.*}}, %{{.*}} weight(%{{.*}} : tensor<32xf32>) bias(%{{.*}} : tensor<32xf32>) eps 1.000000e-05 : tensor<1x?x32xf32>
  %ln, %lsum = hybrid.add_layer_norm %3, %r weight(%w : tensor<32xf32>) bias(%b : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  // CHECK: hybrid.gated_rms_norm %{{.*}}, %{{.*}} weight %{{.*}} eps 1.000000e-05 group_size 16 : tensor<1x?x32xf32>, tensor<32xf32>
  %5 = hybrid.gated_rms_norm %4, %z weight %w eps 1.0e-05 group_size 16 : tensor<1x?x32xf32>, tensor<32xf32>
  // CHECK: hybrid.gated_rms_norm %{{.*}}, %{{.*}} weight %{{.*}} eps 1.000000e-05 group_size 32 {norm_before_gate} : tensor<1x?x32xf32>, tensor<32xf32>
  %6 = hybrid.gated_rms_norm %5, %sum weight %w eps 1.0e-05 group_size 32 {norm_before_gate} : tensor<1x?x32xf32>, tensor<32xf32>
  return %6 : tensor<1x?x32xf32>
}

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<2x?x4x16xf32>, %k: tensor<2x?x2x16xf32>, %v: tensor<2x?x2x16xf32>,
                     %pos: tensor<2xi64>, %kc: tensor<2x64x2x16xf32>, %vc: tensor<2x64x2x16xf32>)
    -> (tensor<2x?x4x16xf32>, tensor<2x64x2x16xf32>, tensor<2x64x2x16xf32>) {
  // CHECK: hybrid.rope %{{.*}} at %{{.*}} theta 1.000000e+04 rotary_dim 16 : tensor<2x?x4x16xf32>, tensor<2xi64>
  %qr = hybrid.rope %q at %pos theta 1.0e+04 rotary_dim 16 : tensor<2x?x4x16xf32>, tensor<2xi64>
  // CHECK: hybrid.rope %{{.*}} at %{{.*}} theta 5.000000e+05 rotary_dim 8 {interleaved} : tensor<2x?x2x16xf32>, tensor<2xi64>
  %kr = hybrid.rope %k at %pos theta 5.0e+05 rotary_dim 8 {interleaved} : tensor<2x?x2x16xf32>, tensor<2xi64>
  // CHECK: hybrid.attention %{{.*}}, %{{.*}}, %{{.*}} at %{{.*}} cache(%{{.*}}, %{{.*}}) into %{{.*}} scale 2.500000e-01 : tensor<2x?x4x16xf32>, tensor<2x?x2x16xf32>, tensor<2xi64>, tensor<2x64x2x16xf32>
  %o, %kc1, %vc1 = hybrid.attention %qr, %kr, %v at %pos cache(%kc, %vc) into %q scale 0.25
      : tensor<2x?x4x16xf32>, tensor<2x?x2x16xf32>, tensor<2xi64>, tensor<2x64x2x16xf32>
  // CHECK: hybrid.attention %{{.*}}, %{{.*}}, %{{.*}} at %{{.*}} cache(%{{.*}}, %{{.*}}) into %{{.*}} scale 2.500000e-01 window 8 sink 2 : tensor<2x?x4x16xf32>, tensor<2x?x2x16xf32>, tensor<2xi64>, tensor<2x64x2x16xf32>
  %o2, %kc2, %vc2 = hybrid.attention %o, %kr, %v at %pos cache(%kc1, %vc1) into %q scale 0.25 window 8 sink 2
      : tensor<2x?x4x16xf32>, tensor<2x?x2x16xf32>, tensor<2xi64>, tensor<2x64x2x16xf32>
  // CHECK: hybrid.attention %{{.*}}, %{{.*}}, %{{.*}} at %{{.*}} cache(%{{.*}}, %{{.*}}) into %{{.*}} scale 2.500000e-01 {rope_theta = 1.000000e+04 : f64, rotary_dim = 8 : i64} : tensor<2x?x4x16xf32>, tensor<2x?x2x16xf32>, tensor<2xi64>, tensor<2x64x2x16xf32>
  %o3, %kc3, %vc3 = hybrid.attention %q, %k, %v at %pos cache(%kc2, %vc2) into %q scale 0.25 {rotary_dim = 8 : i64, rope_theta = 1.0e4 : f64}
      : tensor<2x?x4x16xf32>, tensor<2x?x2x16xf32>, tensor<2xi64>, tensor<2x64x2x16xf32>
  return %o2, %kc3, %vc3 : tensor<2x?x4x16xf32>, tensor<2x64x2x16xf32>, tensor<2x64x2x16xf32>
}

// CHECK-LABEL: func.func @mamba1
func.func @mamba1(%x: tensor<1x?x64xf32>, %w: tensor<64x4xf32>, %b: tensor<64xf32>,
                  %cs: tensor<1x64x3xf32>, %dt: tensor<1x?x64xf32>, %a: tensor<64x8xf32>,
                  %bm: tensor<1x?x8xf32>, %cm: tensor<1x?x8xf32>, %d: tensor<64xf32>,
                  %h: tensor<1x64x8xf32>) -> (tensor<1x?x64xf32>, tensor<1x64x3xf32>, tensor<1x64x8xf32>) {
  // CHECK: hybrid.causal_conv1d %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<64xf32>) state %{{.*}} into %{{.*}} activation silu : tensor<1x?x64xf32>, tensor<64x4xf32>, tensor<1x64x3xf32>
  %u, %cs1 = hybrid.causal_conv1d %x, %w bias(%b : tensor<64xf32>) state %cs into %x activation silu
      : tensor<1x?x64xf32>, tensor<64x4xf32>, tensor<1x64x3xf32>
  // CHECK: hybrid.causal_conv1d %{{.*}}, %{{.*}} state %{{.*}} into %{{.*}} : tensor<1x?x64xf32>, tensor<64x4xf32>, tensor<1x64x3xf32>
  %u2, %cs2 = hybrid.causal_conv1d %u, %w state %cs1 into %x
      : tensor<1x?x64xf32>, tensor<64x4xf32>, tensor<1x64x3xf32>
  // CHECK: hybrid.selective_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} skip(%{{.*}} : tensor<64xf32>) gate(%{{.*}} : tensor<1x?x64xf32>) delta_bias(%{{.*}} : tensor<64xf32>) state %{{.*}} into %{{.*}} {delta_softplus} : tensor<1x?x64xf32>, tensor<64x8xf32>, tensor<1x?x8xf32>, tensor<1x64x8xf32>
  %y, %h1 = hybrid.selective_scan %u2, %dt, %a, %bm, %cm skip(%d : tensor<64xf32>) gate(%x : tensor<1x?x64xf32>)
      delta_bias(%b : tensor<64xf32>) state %h into %x {delta_softplus}
      : tensor<1x?x64xf32>, tensor<64x8xf32>, tensor<1x?x8xf32>, tensor<1x64x8xf32>
  // CHECK: hybrid.selective_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} state %{{.*}} into %{{.*}} : tensor<1x?x64xf32>, tensor<64x8xf32>, tensor<1x?x8xf32>, tensor<1x64x8xf32>
  %y2, %h2 = hybrid.selective_scan %y, %dt, %a, %bm, %cm state %h1 into %x
      : tensor<1x?x64xf32>, tensor<64x8xf32>, tensor<1x?x8xf32>, tensor<1x64x8xf32>
  return %y2, %cs2, %h2 : tensor<1x?x64xf32>, tensor<1x64x3xf32>, tensor<1x64x8xf32>
}

// CHECK-LABEL: func.func @mamba2
func.func @mamba2(%x: tensor<1x?x8x16xf32>, %dt: tensor<1x?x8xf32>, %a: tensor<8xf32>,
                  %bm: tensor<1x?x2x32xf32>, %cm: tensor<1x?x2x32xf32>, %d: tensor<8xf32>,
                  %s: tensor<1x8x16x32xf32>) -> (tensor<1x?x8x16xf32>, tensor<1x8x16x32xf32>) {
  // CHECK: hybrid.ssd_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} skip(%{{.*}} : tensor<8xf32>) gate(%{{.*}} : tensor<1x?x8x16xf32>) dt_bias(%{{.*}} : tensor<8xf32>) state %{{.*}} into %{{.*}} chunk_size 256 {dt_max = 1.000000e+02 : f64, dt_min = 1.000000e-03 : f64, dt_softplus} : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x2x32xf32>, tensor<1x8x16x32xf32>
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %bm, %cm skip(%d : tensor<8xf32>) gate(%x : tensor<1x?x8x16xf32>)
      dt_bias(%d : tensor<8xf32>) state %s into %x chunk_size 256
      {dt_softplus, dt_min = 1.0e-03 : f64, dt_max = 100.0 : f64}
      : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x2x32xf32>, tensor<1x8x16x32xf32>
  // CHECK: hybrid.ssd_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} state %{{.*}} into %{{.*}} chunk_size 8 : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x2x32xf32>, tensor<1x8x16x32xf32>
  %y2, %s2 = hybrid.ssd_scan %y, %dt, %a, %bm, %cm state %s1 into %x chunk_size 8
      : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x2x32xf32>, tensor<1x8x16x32xf32>
  return %y2, %s2 : tensor<1x?x8x16xf32>, tensor<1x8x16x32xf32>
}

// CHECK-LABEL: func.func @feed_forward
func.func @feed_forward(%x: tensor<1x?x32xf32>, %g: tensor<64x32xf32>, %u: tensor<64x32xf32>,
                        %d: tensor<32x64xf32>, %r: tensor<4x32xf32>, %eg: tensor<4x64x32xf32>,
                        %eu: tensor<4x64x32xf32>, %ed: tensor<4x32x64xf32>, %sb: tensor<4xf32>) -> tensor<1x?x32xf32> {
  // CHECK: hybrid.gated_mlp %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} activation silu : tensor<1x?x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %0 = hybrid.gated_mlp %x, %g, %u, %d activation silu
      : tensor<1x?x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  // CHECK: hybrid.gated_mlp %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} activation silu {gate_scale = 7.500000e-01 : f64, output_scale = 1.250000e+00 : f64}
  %g2 = hybrid.gated_mlp %x, %g, %u, %d activation silu {gate_scale = 0.75 : f64, output_scale = 1.25 : f64}
      : tensor<1x?x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  // CHECK: hybrid.moe %{{.*}} router %{{.*}} gate(%{{.*}} : tensor<4x64x32xf32>) up %{{.*}} down %{{.*}} top_k 2 activation silu {normalize_top_k} : tensor<1x?x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  %1 = hybrid.moe %0 router %r gate(%eg : tensor<4x64x32xf32>) up %eu down %ed top_k 2 activation silu {normalize_top_k}
      : tensor<1x?x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  // CHECK: hybrid.moe %{{.*}} router %{{.*}} up %{{.*}} down %{{.*}} top_k 1 activation relu2 : tensor<1x?x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  %2 = hybrid.moe %1 router %r up %eu down %ed top_k 1 activation relu2
      : tensor<1x?x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  // CHECK: hybrid.moe %{{.*}} router %{{.*}} up %{{.*}} down %{{.*}} top_k 2 activation relu2 scoring sigmoid selection_bias(%{{.*}} : tensor<4xf32>) {normalize_top_k, routed_scale = 2.500000e+00 : f64} : tensor<1x?x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  %3 = hybrid.moe %2 router %r up %eu down %ed top_k 2 activation relu2 scoring sigmoid selection_bias(%sb : tensor<4xf32>) {normalize_top_k, routed_scale = 2.5 : f64}
      : tensor<1x?x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  return %3 : tensor<1x?x32xf32>
}

// CHECK-LABEL: func.func @sampling
func.func @sampling(%logits: tensor<1x?x128xf32>) -> tensor<1x?xi64> {
  // CHECK: hybrid.argmax %{{.*}} : tensor<1x?x128xf32> -> tensor<1x?xi64>
  %t = hybrid.argmax %logits : tensor<1x?x128xf32> -> tensor<1x?xi64>
  return %t : tensor<1x?xi64>
}

// CHECK-LABEL: func.func @greedy_head
func.func @greedy_head(%h: tensor<?x1x64xf32>, %w: tensor<128x64xbf16>) -> (tensor<?x1xi64>, tensor<?x1xi64>) {
  // CHECK: hybrid.linear_argmax %{{.*}}, %{{.*}} : tensor<?x1x64xf32>, tensor<128x64xbf16> -> tensor<?x1xi64>
  %t = hybrid.linear_argmax %h, %w : tensor<?x1x64xf32>, tensor<128x64xbf16> -> tensor<?x1xi64>
  // CHECK: hybrid.linear_argmax %{{.*}}, %{{.*}} {output_scale = 1.250000e-01 : f64}
  %s = hybrid.linear_argmax %h, %w {output_scale = 0.125 : f64} : tensor<?x1x64xf32>, tensor<128x64xbf16> -> tensor<?x1xi64>
  return %t, %s : tensor<?x1xi64>, tensor<?x1xi64>
}
