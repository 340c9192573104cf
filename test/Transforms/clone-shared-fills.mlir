// RUN: hybrid-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(hybrid-clone-shared-fills))" | FileCheck %s

// Tests that a zero fill shared (after CSE) by two GEMM destinations is
// cloned, with its tensor.empty, right before each of them, so that each
// destination bufferizes to a buffer filled in place; the shared one goes.
// CHECK-LABEL: func.func @gate_and_up
// CHECK-NOT: linalg.fill
// CHECK: %[[E0:.+]] = tensor.empty
// CHECK: %[[F0:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E0]] : tensor<?x1536xf32>)
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<?x768xf32>, tensor<768x1536xf32>) outs(%[[F0]] : tensor<?x1536xf32>)
// CHECK: %[[E1:.+]] = tensor.empty
// CHECK: %[[F1:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E1]] : tensor<?x1536xf32>)
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<?x768xf32>, tensor<768x1536xf32>) outs(%[[F1]] : tensor<?x1536xf32>)
// CHECK-NOT: linalg.fill
// CHECK: return
func.func @gate_and_up(%x: tensor<?x768xf32>, %wg: tensor<768x1536xf32>,
                       %wu: tensor<768x1536xf32>) -> (tensor<?x1536xf32>, tensor<?x1536xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x768xf32>
  %e = tensor.empty(%t) : tensor<?x1536xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x1536xf32>) -> tensor<?x1536xf32>
  %g = linalg.matmul ins(%x, %wg : tensor<?x768xf32>, tensor<768x1536xf32>) outs(%f : tensor<?x1536xf32>) -> tensor<?x1536xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<?x768xf32>, tensor<768x1536xf32>) outs(%f : tensor<?x1536xf32>) -> tensor<?x1536xf32>
  return %g, %u : tensor<?x1536xf32>, tensor<?x1536xf32>
}

// -----

// Tests that a fill with one use and a fill on buffers are left alone.
// CHECK-LABEL: func.func @single_use
// CHECK-COUNT-2: linalg.fill
// CHECK-NOT: linalg.fill
func.func @single_use(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>, %buf: memref<4xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
  linalg.fill ins(%zero : f32) outs(%buf : memref<4xf32>)
  return %y : tensor<4x8xf32>
}

// -----

// Tests that a fill of a function argument (no tensor.empty) is cloned onto
// the same destination value, once before each user.
// CHECK-LABEL: func.func @argument_destination
// CHECK-SAME: (%[[D:[^:]+]]: tensor<4xf32>
// CHECK: %[[F0:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[D]] : tensor<4xf32>)
// CHECK-NEXT: linalg.add ins({{.+}}) outs(%[[F0]] : tensor<4xf32>)
// CHECK: %[[F1:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[D]] : tensor<4xf32>)
// CHECK-NEXT: linalg.mul ins({{.+}}) outs(%[[F1]] : tensor<4xf32>)
func.func @argument_destination(%d: tensor<4xf32>, %a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%d : tensor<4xf32>) -> tensor<4xf32>
  %x = linalg.add ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%f : tensor<4xf32>) -> tensor<4xf32>
  %y = linalg.mul ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%f : tensor<4xf32>) -> tensor<4xf32>
  return %x, %y : tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that an op that only reads the fill keeps the shared one (a clone
// before a reader in a loop would run once per iteration), while the
// destination gets its own.
// CHECK-LABEL: func.func @reader_keeps_shared
// CHECK: %[[F:.+]] = linalg.fill
// CHECK: scf.for
// CHECK: tensor.extract %[[F]]
// CHECK: %[[G:.+]] = linalg.fill
// CHECK: linalg.add ins(%[[F]], %{{.+}} : tensor<4xf32>, tensor<4xf32>) outs(%[[G]] : tensor<4xf32>)
func.func @reader_keeps_shared(%a: tensor<4xf32>) -> (f32, tensor<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %s = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> f32 {
    %v = tensor.extract %f[%i] : tensor<4xf32>
    %n = arith.addf %acc, %v : f32
    scf.yield %n : f32
  }
  %y = linalg.add ins(%f, %a : tensor<4xf32>, tensor<4xf32>) outs(%f : tensor<4xf32>) -> tensor<4xf32>
  return %s, %y : f32, tensor<4xf32>
}
