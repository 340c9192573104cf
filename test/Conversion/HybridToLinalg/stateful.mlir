// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg | FileCheck %s

// Tests that attention inserts the new rows into its cache operands at each
// sequence's position, then computes rows in an scf.forall over (batch,
// token, head) that visits only rows [0, position + t] with an online
// softmax; the updated caches are the insert results.
// CHECK-LABEL: func.func @attention
// CHECK-SAME: %[[KC:[^:]+]]: tensor<1x16x2x4xf32>, %[[VC:[^:]+]]: tensor<1x16x2x4xf32>
// CHECK: %[[K1:.+]] = scf.for {{.*}} iter_args(%[[KI:.+]] = %[[KC]])
// CHECK: tensor.insert_slice {{.*}} into %[[KI]]
// CHECK: %[[V1:.+]] = scf.for {{.*}} iter_args(%[[VI:.+]] = %[[VC]])
// CHECK: tensor.insert_slice {{.*}} into %[[VI]]
// CHECK: %[[O:.+]] = scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (1, %{{.*}}, 4) shared_outs
// CHECK: math.exp
// CHECK: tensor.parallel_insert_slice
// CHECK: return %[[O]], %[[K1]], %[[V1]]
func.func @attention(%q: tensor<1x?x4x4xf32>, %k: tensor<1x?x2x4xf32>, %v: tensor<1x?x2x4xf32>,
                     %p: tensor<1xi64>, %kc: tensor<1x16x2x4xf32>, %vc: tensor<1x16x2x4xf32>)
    -> (tensor<1x?x4x4xf32>, tensor<1x16x2x4xf32>, tensor<1x16x2x4xf32>) {
  %o, %k1, %v1 = hybrid.attention %q, %k, %v at %p cache(%kc, %vc) into %q scale 0.5
      : tensor<1x?x4x4xf32>, tensor<1x?x2x4xf32>, tensor<1xi64>, tensor<1x16x2x4xf32>
  return %o, %k1, %v1 : tensor<1x?x4x4xf32>, tensor<1x16x2x4xf32>, tensor<1x16x2x4xf32>
}

// -----

// Tests that a sliding window reads from max(0, p + 1 - window) and sinks
// from 0 to min(sink, that bound): two loops, not a mask over max_seq.
// CHECK-LABEL: func.func @window
// CHECK: scf.forall
// CHECK: arith.minui
// CHECK: scf.for
// CHECK: scf.for
func.func @window(%q: tensor<1x?x4x4xf32>, %k: tensor<1x?x2x4xf32>, %p: tensor<1xi64>,
                  %c: tensor<1x16x2x4xf32>) -> tensor<1x?x4x4xf32> {
  %o, %k1, %v1 = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.5 window 8 sink 2
      : tensor<1x?x4x4xf32>, tensor<1x?x2x4xf32>, tensor<1xi64>, tensor<1x16x2x4xf32>
  return %o : tensor<1x?x4x4xf32>
}

// -----

// Tests that a causal conv reads a private copy of the old window and copies
// the new window into the state operand (so it stays the caller's buffer).
// CHECK-LABEL: func.func @conv
// CHECK-SAME: %[[S:[^:]+]]: tensor<1x8x3xf32>
// CHECK: %[[OLD:.+]] = linalg.copy ins(%[[S]] : tensor<1x8x3xf32>)
// CHECK: linalg.generic
// CHECK: %[[NEW:.+]] = linalg.copy ins(%{{.*}} : tensor<1x8x3xf32>) outs(%[[S]] : tensor<1x8x3xf32>)
// CHECK: return %{{.*}}, %[[NEW]]
func.func @conv(%x: tensor<1x?x8xf32>, %w: tensor<8x4xf32>, %s: tensor<1x8x3xf32>)
    -> (tensor<1x?x8xf32>, tensor<1x8x3xf32>) {
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x activation silu
      : tensor<1x?x8xf32>, tensor<8x4xf32>, tensor<1x8x3xf32>
  return %y, %s1 : tensor<1x?x8xf32>, tensor<1x8x3xf32>
}

// -----

// Tests that the SSD scan prepares Δ = softplus(dt) and exp(Δ·A) once per
// (batch, time, head), then runs one lane per (batch, head, head_dim) with
// the state row as a shared output, sequential over time and the state dim,
// reading both.
// CHECK-LABEL: func.func @ssd
// CHECK-SAME: %[[S:[^:]+]]: tensor<1x2x4x8xf32>
// CHECK: %[[DT:.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<1x?x2xf32>)
// CHECK: math.log1p
// CHECK: %[[DECAY:.+]] = linalg.generic {{.*}} ins(%[[DT]], %{{.+}} : tensor<1x?x2xf32>, tensor<2xf32>)
// CHECK: math.exp
// CHECK: %[[R:.+]]:2 = scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (1, 2, 4) shared_outs(%{{.*}} = %{{.*}}, %{{.*}} = %[[S]])
// CHECK-NOT: math.log1p
// CHECK: scf.for
// CHECK: tensor.extract %[[DT]]
// CHECK: tensor.extract %[[DECAY]]
// CHECK-NOT: math.exp
// CHECK: scf.for
// CHECK: tensor.parallel_insert_slice
// CHECK: tensor.parallel_insert_slice
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @ssd(%x: tensor<1x?x2x4xf32>, %dt: tensor<1x?x2xf32>, %a: tensor<2xf32>,
               %b: tensor<1x?x1x8xf32>, %s: tensor<1x2x4x8xf32>)
    -> (tensor<1x?x2x4xf32>, tensor<1x2x4x8xf32>) {
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b state %s into %x chunk_size 4 {dt_softplus}
      : tensor<1x?x2x4xf32>, tensor<1x?x2xf32>, tensor<2xf32>, tensor<1x?x1x8xf32>, tensor<1x2x4x8xf32>
  return %y, %s1 : tensor<1x?x2x4xf32>, tensor<1x2x4x8xf32>
}

// -----

// Tests that the selective scan runs one lane per (batch, channel).
// CHECK-LABEL: func.func @selective
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 4) shared_outs
// CHECK: math.exp
func.func @selective(%u: tensor<1x?x4xf32>, %a: tensor<4x8xf32>, %b: tensor<1x?x8xf32>,
                     %h: tensor<1x4x8xf32>) -> (tensor<1x?x4xf32>, tensor<1x4x8xf32>) {
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b state %h into %u
      : tensor<1x?x4xf32>, tensor<4x8xf32>, tensor<1x?x8xf32>, tensor<1x4x8xf32>
  return %y, %h1 : tensor<1x?x4xf32>, tensor<1x4x8xf32>
}
