// RUN: hybrid-opt %s -split-input-file --hybrid-form-gpu-kernels -verify-diagnostics | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-form-gpu-kernels --canonicalize -verify-diagnostics | FileCheck %s --check-prefix=FOLDED

// Tests that a pointwise linalg op becomes one grid kernel over its
// flattened iteration space (256 threads a block, a guard for the ragged
// last block, the last dimension fastest), with the allocation, the dims
// and the launch sizes left on the host.
// CHECK-LABEL: func.func @pointwise
// CHECK:       %[[ALLOC:.+]] = memref.alloc
// CHECK:       %[[BLOCKS:.+]] = arith.maxui
// CHECK:       gpu.launch blocks({{.*}}) in ({{.*}} = %[[BLOCKS]], {{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}) module(@hybrid_kernels) function(@pointwise_kernel_0)
// CHECK:         %[[LIN:.+]] = arith.addi
// CHECK:         arith.cmpi ult, %[[LIN]]
// CHECK:         scf.if
// CHECK:           math.exp
// CHECK:           memref.store
// CHECK:         gpu.terminator
// CHECK-NOT:   memref.load
// CHECK:       return
// FOLDED-LABEL: func.func @pointwise
// FOLDED:       gpu.launch
// FOLDED:         arith.remui %{{.*}}, %c64
// FOLDED:         arith.divui %{{.*}}, %c64
func.func @pointwise(%x: memref<?x64xf32>) -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %d = memref.dim %x, %c0 : memref<?x64xf32>
  %y = memref.alloc(%d) : memref<?x64xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<?x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return %y : memref<?x64xf32>
}

// -----

// Tests that a host loop that reads device memory (a KV-cache write at each
// sequence's position) becomes one one-block kernel: the loop runs in every
// thread, the copy inside is shared out among the threads between barriers.
// CHECK-LABEL: func.func @cache_write
// CHECK:       gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}) threads(%[[TID:[^,]+]], {{.*}}) in ({{.*}} = %c256{{.*}}) module(@hybrid_kernels) function(@cache_write_kernel_0)
// CHECK:         scf.for %[[B:.+]] = %c0 to
// CHECK:           memref.load %{{.*}}[%[[B]]] : memref<?xi64>
// CHECK:           gpu.barrier
// CHECK:           scf.for %{{.+}} = %[[TID]] to %{{.*}} step %c256
// CHECK:             memref.store
// CHECK:           gpu.barrier
// CHECK:         gpu.terminator
// CHECK-NOT:   memref.load
// CHECK:       return
func.func @cache_write(%new: memref<?x8xf32>, %pos: memref<?xi64>, %cache: memref<?x16x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %new, %c0 : memref<?x8xf32>
  scf.for %b = %c0 to %n step %c1 {
    %p = memref.load %pos[%b] : memref<?xi64>
    %pi = arith.index_cast %p : i64 to index
    %src = memref.subview %new[%b, 0] [1, 8] [1, 1] : memref<?x8xf32> to memref<8xf32, strided<[1], offset: ?>>
    %dst = memref.subview %cache[%b, %pi, 0] [1, 1, 8] [1, 1, 1] : memref<?x16x8xf32> to memref<8xf32, strided<[1], offset: ?>>
    memref.copy %src, %dst : memref<8xf32, strided<[1], offset: ?>> to memref<8xf32, strided<[1], offset: ?>>
  }
  return
}

// -----

// Tests that a store of the sequential code is made by thread 0 alone,
// between barriers, so that no thread reads a value another has already
// overwritten (a read-modify-write of a counter).
// CHECK-LABEL: func.func @increment
// CHECK:       gpu.launch {{.*}} threads(%[[TID:[^,]+]],
// CHECK:         %[[V:.+]] = memref.load
// CHECK:         %[[W:.+]] = arith.addf %[[V]]
// CHECK:         gpu.barrier
// CHECK:         %[[FIRST:.+]] = arith.cmpi eq, %[[TID]], %c0
// CHECK:         scf.if %[[FIRST]] {
// CHECK:           memref.store %[[W]]
// CHECK:         }
// CHECK:         gpu.barrier
func.func @increment(%counter: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %v = memref.load %counter[%c0] : memref<1xf32>
  %w = arith.addf %v, %one : f32
  memref.store %w, %counter[%c0] : memref<1xf32>
  return
}

// -----

// Tests that two grid kernels keep their order around the deallocation
// between them, each numbered in the function.
// CHECK-LABEL: func.func @two_kernels
// CHECK:       gpu.launch {{.*}} function(@two_kernels_kernel_0)
// CHECK:       gpu.launch {{.*}} function(@two_kernels_kernel_1)
// CHECK:       memref.dealloc
func.func @two_kernels(%x: memref<32xf32>, %y: memref<32xf32>) {
  %t = memref.alloc() : memref<32xf32>
  linalg.copy ins(%x : memref<32xf32>) outs(%t : memref<32xf32>)
  linalg.copy ins(%t : memref<32xf32>) outs(%y : memref<32xf32>)
  memref.dealloc %t : memref<32xf32>
  return
}

// -----

// Tests that device code cannot hand a value back to the host: here the
// size of an allocation.
func.func @host_needs_value(%n: memref<1xindex>) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{computes a value the host needs (used by memref.alloc): device code cannot hand values back to the host}}
  %k = memref.load %n[%c0] : memref<1xindex>
  %t = memref.alloc(%k) : memref<?xf32>
  memref.dealloc %t : memref<?xf32>
  return
}

// -----

// Tests that a row reduction over many elements (a norm's sum of squares)
// becomes one block a row: each thread folds a strided share in registers,
// gpu.all_reduce adds the block's, thread 0 adds that to the output.
// CHECK-LABEL: func.func @row_sum
// CHECK:       gpu.launch blocks(%[[BID:[^,]+]], {{.*}}) in ({{.*}} = %{{.+}}, {{.*}}) threads(%[[TID:[^,]+]], {{.*}}) in ({{.*}} = %c256{{.*}}) module(@hybrid_kernels) function(@row_sum_kernel_0)
// CHECK:         %[[PART:.+]] = scf.for %{{.+}} = %[[TID]] to %{{.+}} step %c256{{.*}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (f32)
// CHECK:           arith.mulf
// CHECK:           arith.addf %[[ACC]]
// CHECK:         %[[SUM:.+]] = gpu.all_reduce {{ *}}add %[[PART]] uniform
// CHECK:         scf.if
// CHECK:           %[[OLD:.+]] = memref.load
// CHECK:           %[[NEW:.+]] = arith.addf %[[OLD]], %[[SUM]]
// CHECK:           memref.store %[[NEW]]
func.func @row_sum(%x: memref<?x2048xf32>, %out: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x2048xf32>) outs(%out : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a short reduction, or one of two outputs (an argmax), keeps
// its accumulators in registers: one thread a row, the output read once
// before the loop and written once after it.
// CHECK-LABEL: func.func @argmax
// CHECK:       gpu.launch
// CHECK:         memref.load
// CHECK:         memref.load
// CHECK:         %[[R:.+]]:2 = scf.for {{.*}} iter_args({{.*}}) -> (f32, i64)
// CHECK:         memref.store %[[R]]#0
// CHECK:         memref.store %[[R]]#1
func.func @argmax(%x: memref<?x128xf32>, %best: memref<?xf32>, %index: memref<?xi64>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x128xf32>) outs(%best, %index : memref<?xf32>, memref<?xi64>) {
  ^bb0(%a: f32, %b: f32, %i: i64):
    %k = linalg.index 1 : index
    %ki = arith.index_cast %k : index to i64
    %gt = arith.cmpf ogt, %a, %b : f32
    %nb = arith.select %gt, %a, %b : f32
    %ni = arith.select %gt, %ki, %i : i64
    linalg.yield %nb, %ni : f32, i64
  }
  return
}
