// RUN: hybrid-opt %s -split-input-file --hybrid-fold-dt-into-scan | FileCheck %s

// Tests Mamba-2's time step as mamba2, Bamba and Granite 4 write it
// (softplus(dt + dt_bias), default limit (0, inf)): the bias, broadcast over
// batch and time, and the softplus fold into the scan.
// CHECK-LABEL: func.func @mamba2
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x?x8x16xf32>, %[[DT:[^:]+]]: tensor<1x?x8xf32>, %[[A:[^:]+]]: tensor<8xf32>, %[[BM:[^:]+]]: tensor<1x?x1x32xf32>, %[[DB:[^:]+]]: tensor<8xf32>
// CHECK-NOT: linalg.broadcast
// CHECK-NOT: arith.addf
// CHECK-NOT: hybrid.activation
// CHECK: hybrid.ssd_scan %[[X]], %[[DT]], %[[A]], %[[BM]], %[[BM]] dt_bias(%[[DB]] : tensor<8xf32>) state %{{.+}} into %{{.+}} chunk_size 256 {dt_softplus} :
func.func @mamba2(%x: tensor<1x?x8x16xf32>, %dt: tensor<1x?x8xf32>, %a: tensor<8xf32>, %bm: tensor<1x?x1x32xf32>,
                  %db: tensor<8xf32>, %s: tensor<1x8x16x32xf32>, %t: index) -> (tensor<1x?x8x16xf32>, tensor<1x8x16x32xf32>) {
  %e = tensor.empty(%t) : tensor<1x?x8xf32>
  %b = linalg.broadcast ins(%db : tensor<8xf32>) outs(%e : tensor<1x?x8xf32>) dimensions = [0, 1]
  %0 = arith.addf %dt, %b : tensor<1x?x8xf32>
  %1 = hybrid.activation softplus %0 : tensor<1x?x8xf32>
  %y, %s1 = hybrid.ssd_scan %x, %1, %a, %bm, %bm state %s into %x chunk_size 256
      : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x1x32xf32>, tensor<1x8x16x32xf32>
  return %y, %s1 : tensor<1x?x8x16xf32>, tensor<1x8x16x32xf32>
}

// -----

// Tests Falcon-H1's and Nemotron-H's time step with a limit (bounds filled
// in, as dynamic shapes need), the bias
// written first and in bf16 (widened to f32 before the add, as PyTorch
// promotes it): the scan takes the bf16 bias and the limit as dt_min/dt_max.
// CHECK-LABEL: func.func @limited_bf16_bias
// CHECK-SAME: %[[DB:[^:]+]]: tensor<8xbf16>
// CHECK-NOT: arith.maximumf
// CHECK-NOT: arith.minimumf
// CHECK: hybrid.ssd_scan {{.*}} dt_bias(%[[DB]] : tensor<8xbf16>) {{.*}} chunk_size 64 {dt_max = 1.000000e+02 : f64, dt_min = 0.0010000000{{[0-9]+}} : f64, dt_softplus}
func.func @limited_bf16_bias(%x: tensor<?x1x8x16xf32>, %dt: tensor<?x1x8xf32>, %a: tensor<8xf32>, %bm: tensor<?x1x1x32xf32>,
                             %db: tensor<8xbf16>, %s: tensor<?x8x16x32xf32>, %n: index) -> tensor<?x1x8x16xf32> {
  %w = arith.extf %db : tensor<8xbf16> to tensor<8xf32>
  %e = tensor.empty(%n) : tensor<?x1x8xf32>
  %b = linalg.broadcast ins(%w : tensor<8xf32>) outs(%e : tensor<?x1x8xf32>) dimensions = [0, 1]
  %0 = arith.addf %b, %dt : tensor<?x1x8xf32>
  %1 = hybrid.activation softplus %0 : tensor<?x1x8xf32>
  %c_lo = arith.constant 1.0e-03 : f32
  %c_hi = arith.constant 100.0 : f32
  %lo = linalg.fill ins(%c_lo : f32) outs(%e : tensor<?x1x8xf32>) -> tensor<?x1x8xf32>
  %hi = linalg.fill ins(%c_hi : f32) outs(%e : tensor<?x1x8xf32>) -> tensor<?x1x8xf32>
  %2 = arith.maximumf %1, %lo : tensor<?x1x8xf32>
  %3 = arith.minimumf %2, %hi : tensor<?x1x8xf32>
  %y, %s1 = hybrid.ssd_scan %x, %3, %a, %bm, %bm state %s into %x chunk_size 64
      : tensor<?x1x8x16xf32>, tensor<?x1x8xf32>, tensor<8xf32>, tensor<?x1x1x32xf32>, tensor<?x8x16x32xf32>
  return %y : tensor<?x1x8x16xf32>
}

// -----

// Tests Mamba-1's and Jamba's time step, softplus(dt_proj(x)): the dt
// projection loses its bias to the scan's delta_bias.
// CHECK-LABEL: func.func @mamba1
// CHECK-SAME: (%[[U:[^:]+]]: tensor<1x?x16xf32>, %[[R:[^:]+]]: tensor<1x?x2xf32>, %[[W:[^:]+]]: tensor<16x2xf32>, %[[WB:[^:]+]]: tensor<16xf32>
// CHECK: %[[D:.+]] = hybrid.linear %[[R]], %[[W]] : tensor<1x?x2xf32>, tensor<16x2xf32> -> tensor<1x?x16xf32>
// CHECK-NOT: hybrid.activation
// CHECK: hybrid.selective_scan %[[U]], %[[D]], {{.*}} delta_bias(%[[WB]] : tensor<16xf32>) state {{.*}} {delta_softplus}
func.func @mamba1(%u: tensor<1x?x16xf32>, %r: tensor<1x?x2xf32>, %w: tensor<16x2xf32>, %wb: tensor<16xf32>,
                  %a: tensor<16x4xf32>, %bm: tensor<1x?x4xf32>, %h: tensor<1x16x4xf32>) -> tensor<1x?x16xf32> {
  %0 = hybrid.linear %r, %w bias(%wb : tensor<16xf32>) : tensor<1x?x2xf32>, tensor<16x2xf32> -> tensor<1x?x16xf32>
  %1 = hybrid.activation softplus %0 : tensor<1x?x16xf32>
  %y, %h1 = hybrid.selective_scan %u, %1, %a, %bm, %bm state %h into %u
      : tensor<1x?x16xf32>, tensor<16x4xf32>, tensor<1x?x4xf32>, tensor<1x16x4xf32>
  return %y : tensor<1x?x16xf32>
}

// -----

// Tests that a softplus alone (no bias in front) folds, and that a biased
// linear whose result has another user keeps its bias: the chain stops at
// the first value with another user.
// CHECK-LABEL: func.func @softplus_only
// CHECK: %[[D:.+]] = hybrid.linear {{.*}} bias(
// CHECK: hybrid.selective_scan %{{.+}}, %[[D]], {{.*}} state {{.*}} {delta_softplus}
// CHECK-NOT: delta_bias
// CHECK: return
func.func @softplus_only(%u: tensor<1x?x16xf32>, %r: tensor<1x?x2xf32>, %w: tensor<16x2xf32>, %wb: tensor<16xf32>,
                         %a: tensor<16x4xf32>, %bm: tensor<1x?x4xf32>, %h: tensor<1x16x4xf32>) -> (tensor<1x?x16xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.linear %r, %w bias(%wb : tensor<16xf32>) : tensor<1x?x2xf32>, tensor<16x2xf32> -> tensor<1x?x16xf32>
  %1 = hybrid.activation softplus %0 : tensor<1x?x16xf32>
  %y, %h1 = hybrid.selective_scan %u, %1, %a, %bm, %bm state %h into %u
      : tensor<1x?x16xf32>, tensor<16x4xf32>, tensor<1x?x4xf32>, tensor<1x16x4xf32>
  return %y, %0 : tensor<1x?x16xf32>, tensor<1x?x16xf32>
}

// -----

// Tests near misses, each a different math or a value needed elsewhere:
// a prepared dt also returned, another activation, a scaled linear (its
// scale would apply to the bias: the bias stays, the softplus still folds),
// a bias broadcast over the channels instead of over batch and time (only
// the softplus folds), and a clamp in front of Mamba-1's scan (which has
// no limit: nothing folds).
// CHECK-LABEL: func.func @near_misses
// CHECK: %[[SP:.+]] = hybrid.activation softplus
// CHECK: hybrid.ssd_scan %{{.+}}, %[[SP]], {{.*}} chunk_size 8 :
// CHECK: %[[SILU:.+]] = hybrid.activation silu
// CHECK: hybrid.ssd_scan %{{.+}}, %[[SILU]], {{.*}} chunk_size 8 :
// CHECK: %[[SCALED:.+]] = hybrid.linear {{.*}} bias({{.*}}output_scale = 2.0
// CHECK: hybrid.selective_scan %{{.+}}, %[[SCALED]], %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} state {{.*}} {delta_softplus}
// CHECK: %[[ADD:.+]] = arith.addf
// CHECK: hybrid.selective_scan %{{.+}}, %[[ADD]], %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} state {{.*}} {delta_softplus}
// CHECK: hybrid.activation softplus
// CHECK: %[[MIN:.+]] = arith.minimumf
// CHECK: hybrid.selective_scan %{{.+}}, %[[MIN]], %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} state %{{.+}} into %{{.+}} :
// CHECK: return %[[SP]],
func.func @near_misses(%x: tensor<1x?x8x16xf32>, %dt: tensor<1x?x8xf32>, %a: tensor<8xf32>, %bm: tensor<1x?x1x32xf32>,
                       %s: tensor<1x8x16x32xf32>, %u: tensor<1x?x16xf32>, %r: tensor<1x?x2xf32>,
                       %w: tensor<16x2xf32>, %wb: tensor<16xf32>, %a1: tensor<16x4xf32>, %b1: tensor<1x?x4xf32>,
                       %h: tensor<1x16x4xf32>, %t: index, %ch: tensor<1x?xf32>)
    -> (tensor<1x?x8xf32>, tensor<1x?x8x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>) {
  %0 = hybrid.activation softplus %dt : tensor<1x?x8xf32>
  %y0, %s0 = hybrid.ssd_scan %x, %0, %a, %bm, %bm state %s into %x chunk_size 8
      : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x1x32xf32>, tensor<1x8x16x32xf32>
  %1 = hybrid.activation silu %dt : tensor<1x?x8xf32>
  %y1, %s1 = hybrid.ssd_scan %x, %1, %a, %bm, %bm state %s0 into %x chunk_size 8
      : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x1x32xf32>, tensor<1x8x16x32xf32>
  %2 = hybrid.linear %r, %w bias(%wb : tensor<16xf32>) {output_scale = 2.0 : f64} : tensor<1x?x2xf32>, tensor<16x2xf32> -> tensor<1x?x16xf32>
  %3 = hybrid.activation softplus %2 : tensor<1x?x16xf32>
  %y2, %h2 = hybrid.selective_scan %u, %3, %a1, %b1, %b1 state %h into %u
      : tensor<1x?x16xf32>, tensor<16x4xf32>, tensor<1x?x4xf32>, tensor<1x16x4xf32>
  %e = tensor.empty(%t) : tensor<1x?x16xf32>
  %bc = linalg.broadcast ins(%ch : tensor<1x?xf32>) outs(%e : tensor<1x?x16xf32>) dimensions = [2]
  %4 = arith.addf %u, %bc : tensor<1x?x16xf32>
  %5 = hybrid.activation softplus %4 : tensor<1x?x16xf32>
  %y3, %h3 = hybrid.selective_scan %u, %5, %a1, %b1, %b1 state %h2 into %u
      : tensor<1x?x16xf32>, tensor<16x4xf32>, tensor<1x?x4xf32>, tensor<1x16x4xf32>
  %6 = hybrid.activation softplus %u : tensor<1x?x16xf32>
  %c_hi = arith.constant 100.0 : f32
  %hi = linalg.fill ins(%c_hi : f32) outs(%e : tensor<1x?x16xf32>) -> tensor<1x?x16xf32>
  %7 = arith.minimumf %6, %hi : tensor<1x?x16xf32>
  %y4, %h4 = hybrid.selective_scan %u, %7, %a1, %b1, %b1 state %h3 into %u
      : tensor<1x?x16xf32>, tensor<16x4xf32>, tensor<1x?x4xf32>, tensor<1x16x4xf32>
  return %0, %y1, %y2, %y3, %y4 : tensor<1x?x8xf32>, tensor<1x?x8x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
}
