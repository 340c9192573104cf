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
// becomes one block a row: each thread folds a strided share in registers
// (4 trips a step of the loop, in order, then the trips left), gpu.all_reduce
// adds the block's, thread 0 adds that to the output.
// CHECK-LABEL: func.func @row_sum
// CHECK:       gpu.launch blocks(%[[BID:[^,]+]], {{.*}}) in ({{.*}} = %{{.+}}, {{.*}}) threads(%[[TID:[^,]+]], {{.*}}) in ({{.*}} = %c256{{.*}}) module(@hybrid_kernels) function(@row_sum_kernel_0)
// CHECK:         %[[MAIN:.+]] = scf.for %{{.+}} = %[[TID]] to %{{.+}} step %{{.+}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (f32)
// CHECK-COUNT-4:   arith.mulf
// CHECK:         %[[PART:.+]] = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c256{{.*}} iter_args(%{{.+}} = %[[MAIN]]) -> (f32)
// CHECK:           arith.mulf
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

// Tests that a short reduction of two outputs (an argmax over 8) keeps its
// accumulators in registers: one thread a row, the output read once before
// the loop and written once after it.
// CHECK-LABEL: func.func @argmax_short
// CHECK:       gpu.launch
// CHECK-NOT:     gpu.shuffle
// CHECK:         memref.load
// CHECK:         memref.load
// CHECK:         %[[R:.+]]:2 = scf.for {{.*}} iter_args({{.*}}) -> (f32, i64)
// CHECK:         memref.store %[[R]]#0
// CHECK:         memref.store %[[R]]#1
func.func @argmax_short(%x: memref<?x8xf32>, %best: memref<?xf32>, %index: memref<?xi64>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x8xf32>) outs(%best, %index : memref<?xf32>, memref<?xi64>) {
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

// -----

// Tests that an argmax over a long row (a vocabulary) is a warp's: each
// thread finds the first best of its every-32nd elements starting from
// -inf, a butterfly of shuffles (the index as two 32-bit halves) keeps the
// better value or, on a tie, the smaller index, and only a strictly better
// value than the output's initial one replaces it.
// CHECK-LABEL: func.func @argmax_long
// CHECK:       gpu.launch
// CHECK:         %[[V0:.+]] = memref.load %{{.+}} : memref<?xf32>
// CHECK:         %[[I0:.+]] = memref.load %{{.+}} : memref<?xi64>
// CHECK:         %[[R:.+]]:2 = scf.for {{.*}} iter_args(%{{.+}} = %cst{{[_0-9]*}}, %{{.+}} = %[[I0]]) -> (f32, i64)
// CHECK:         %[[OV:.+]], %{{.+}} = gpu.shuffle xor %[[R]]#0, %c16_i32
// CHECK:         arith.trunci %[[R]]#1 : i64 to i32
// CHECK:         gpu.shuffle xor
// CHECK:         arith.shrui %[[R]]#1
// CHECK:         gpu.shuffle xor
// CHECK:         %[[OI:.+]] = arith.ori
// CHECK:         %[[BETTER:.+]] = arith.cmpf ogt, %[[OV]], %[[R]]#0
// CHECK:         %[[SAME:.+]] = arith.cmpf oeq, %[[OV]], %[[R]]#0
// CHECK:         %[[FIRST:.+]] = arith.cmpi slt, %[[OI]], %[[R]]#1
// CHECK:         %[[TIE:.+]] = arith.andi %[[SAME]], %[[FIRST]]
// CHECK:         %[[TAKE:.+]] = arith.ori %[[BETTER]], %[[TIE]]
// CHECK:         arith.select %[[TAKE]], %[[OV]], %[[R]]#0
// CHECK-COUNT-4: arith.cmpf oeq
// CHECK:         %[[V:.+]] = arith.select
// CHECK:         %[[I:.+]] = arith.select
// CHECK:         %[[REPLACE:.+]] = arith.cmpf ogt, %[[V]], %[[V0]]
// CHECK:         %[[BV:.+]] = arith.select %[[REPLACE]], %[[V]], %[[V0]]
// CHECK:         %[[BI:.+]] = arith.select %[[REPLACE]], %[[I]], %[[I0]]
// CHECK:         memref.store %[[BV]]
// CHECK:         memref.store %[[BI]]
func.func @argmax_long(%x: memref<?x32000xf32>, %best: memref<?xf32>, %index: memref<?xi64>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x32000xf32>) outs(%best, %index : memref<?xf32>, memref<?xi64>) {
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

// -----

// Tests that a lane whose innermost loop is a float reduction of 16 or more
// iterations (an attention row's dot product over the head dimension) is
// a warp's work: 32 threads a lane, each taking every 32nd element, the
// partial sums combined with a butterfly of xor shuffles and then with the
// accumulator's initial value; the loads of the 32 threads are neighbours.
// Of a length not a multiple of 32, each thread's loop starts at its place
// in the warp and steps by 32 elements (unrolled by 4, with a loop for the
// rest: see @warp_lane_unrolled).
// CHECK-LABEL: func.func @warp_lane_dot
// CHECK:       %[[LANES:.+]] = arith.muli %{{[0-9]+}}, %c32{{[_0-9]*}}
// CHECK:       %[[BLOCKS:.+]] = arith.ceildivui %[[LANES]], %c256{{[_0-9]*}}
// CHECK:       gpu.launch
// CHECK:         %[[LIN:.+]] = arith.addi
// CHECK:         %[[LANE:.+]] = arith.divui %[[LIN]], %c32{{[_0-9]*}}
// CHECK:         %[[SUB:.+]] = arith.remui %[[LIN]], %c32{{[_0-9]*}}
// CHECK:         arith.cmpi ult, %[[LANE]]
// CHECK:         %[[INIT:.+]] = memref.load %{{.+}} : memref<?xf32>
// CHECK:         %[[FIRST:.+]] = arith.muli %[[SUB]],
// CHECK:         %[[LB:.+]] = arith.addi %{{.+}}, %[[FIRST]]
// CHECK:         %[[STEP:.+]] = arith.muli %{{.+}}, %c32{{[_0-9]*}}
// CHECK:         scf.for %{{.+}} = %[[LB]] to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %cst{{[_0-9]*}})
// CHECK:         %[[PART:.+]] = scf.for
// CHECK:         %[[S16:.+]], %{{.+}} = gpu.shuffle xor %[[PART]], %c16_i32, %c32_i32{{[_0-9]*}}
// CHECK:         %[[A16:.+]] = arith.addf %[[PART]], %[[S16]]
// CHECK-COUNT-4: gpu.shuffle xor
// CHECK:         %[[TOTAL:.+]] = arith.addf %[[INIT]], %{{.+}} : f32
// CHECK:         memref.store %[[TOTAL]]
func.func @warp_lane_dot(%x: memref<?x40xf32>, %w: memref<40xf32>, %out: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (k)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : memref<?x40xf32>, memref<40xf32>) outs(%out : memref<?xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a shared loop of a static length that is a multiple of 32
// runs j over [0, length / 32) at index j * 32 + sub, and that one of at
// most 8 such trips (a head dimension of 128) is unrolled whole: four
// loads a thread, no loop left, then the butterfly.
// CHECK-LABEL: func.func @warp_lane_static
// CHECK:       gpu.launch
// CHECK-NOT:     scf.for
// CHECK-COUNT-4: memref.load %{{.+}} : memref<?x128xf32>
// CHECK-NOT:     scf.for
// CHECK:         gpu.shuffle xor
func.func @warp_lane_static(%x: memref<?x128xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cn = arith.constant 128 : index
  %init = arith.constant 0.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x128xf32>
  scf.parallel (%i) = (%c0) to (%rows) step (%c1) {
    %r = scf.for %k = %c0 to %cn step %c1 iter_args(%a = %init) -> (f32) {
      %v = memref.load %x[%i, %k] : memref<?x128xf32>
      %t = arith.addf %a, %v : f32
      scf.yield %t : f32
    }
    memref.store %r, %out[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// Tests that a long shared loop (a vocabulary of 4096 over a warp: 128
// trips a thread) is unrolled by 4 so that four loads are in flight: 32
// trips of four loads each.
// CHECK-LABEL: func.func @warp_lane_unrolled
// CHECK:       gpu.launch
// CHECK:         scf.for %{{.+}} = %c0{{[_0-9]*}} to %c128{{[_0-9]*}} step %c4{{[_0-9]*}}
// CHECK-COUNT-4:   memref.load %{{.+}} : memref<?x4096xf32>
// CHECK:           scf.yield
func.func @warp_lane_unrolled(%x: memref<?x4096xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cn = arith.constant 4096 : index
  %init = arith.constant 0.0 : f32
  %rows = memref.dim %x, %c0 : memref<?x4096xf32>
  scf.parallel (%i) = (%c0) to (%rows) step (%c1) {
    %r = scf.for %k = %c0 to %cn step %c1 iter_args(%a = %init) -> (f32) {
      %v = memref.load %x[%i, %k] : memref<?x4096xf32>
      %t = arith.maximumf %a, %v : f32
      scf.yield %t : f32
    }
    memref.store %r, %out[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// Tests that a loop of fewer than 16 iterations (a conv1d's kernel width)
// stays a thread's: one thread a lane, no shuffle.
// CHECK-LABEL: func.func @short_loop_stays_a_thread
// CHECK:       gpu.launch
// CHECK-NOT:     arith.divui %{{.+}}, %c32{{[_0-9]*}}
// CHECK:         scf.for %{{.+}} = %c0{{.*}} to %{{.+}} step %c1
// CHECK-NOT:     gpu.shuffle
// CHECK:         gpu.terminator
func.func @short_loop_stays_a_thread(%x: memref<?x8xf32>, %out: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x8xf32>) outs(%out : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a loop is not shared among a warp when a buffer it writes is
// read outside it: the element read (%t[i, 0]) would be another thread's.
// The lane stays one thread's, its inner loop whole.
// CHECK-LABEL: func.func @written_buffer_read_outside
// CHECK:       gpu.launch
// CHECK-NOT:     gpu.shuffle
// CHECK-NOT:     arith.remui %{{.+}}, %c32{{[_0-9]*}}
// CHECK:         scf.parallel (%{{.+}}) = (%c0) to (%c64) step (%c1)
// CHECK:           memref.store
// CHECK:         memref.load %{{.+}}[%{{.+}}, %c0]
func.func @written_buffer_read_outside(%x: memref<?x64xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %t = memref.alloc(%n) : memref<?x64xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.parallel (%k) = (%c0) to (%c64) step (%c1) {
      %v = memref.load %x[%i, %k] : memref<?x64xf32>
      memref.store %v, %t[%i, %k] : memref<?x64xf32>
      scf.reduce
    }
    %f = memref.load %t[%i, %c0] : memref<?x64xf32>
    memref.store %f, %out[%i] : memref<?xf32>
    scf.reduce
  }
  memref.dealloc %t : memref<?x64xf32>
  return
}

// -----

// Tests that a parallel loop whose buffer is written and read only at the
// loop's own index, in loops of the same bounds, is shared among the warp
// (a scan's state row: read, updated and written back per element): each
// thread's elements sub and sub + 32, its two trips unrolled.
// FOLDED-LABEL: func.func @warp_lane_owned_rows
// FOLDED:       gpu.launch
// FOLDED:         %[[SUB:.+]] = arith.remui %{{.+}}, %c32{{[_0-9]*}}
// FOLDED-NOT:     scf.parallel
// FOLDED:         memref.store %{{.+}}, %{{.+}}[%{{.+}}, %{{.+}}]
// FOLDED:         %[[NEXT:.+]] = arith.addi %{{.+}}, %c32
// FOLDED:         memref.store %{{.+}}, %{{.+}}[%{{.+}}, %[[NEXT]]]
// FOLDED-NOT:     scf.parallel
// FOLDED:         gpu.terminator
func.func @warp_lane_owned_rows(%x: memref<?x64xf32>, %s: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.parallel (%k) = (%c0) to (%c64) step (%c1) {
      %v = memref.load %x[%i, %k] : memref<?x64xf32>
      %o = memref.load %s[%i, %k] : memref<?x64xf32>
      %a = arith.addf %v, %o : f32
      memref.store %a, %s[%i, %k] : memref<?x64xf32>
      scf.reduce
    }
    scf.parallel (%k) = (%c0) to (%c64) step (%c1) {
      %o = memref.load %s[%i, %k] : memref<?x64xf32>
      %m = arith.mulf %o, %o : f32
      memref.store %m, %s[%i, %k] : memref<?x64xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// Tests that a fill right before a block reduction of the same output is
// folded into it: no kernel of its own, and the reduction's thread 0
// combines the block's total with the fill's value instead of reading the
// output.
// CHECK-LABEL: func.func @fill_then_row_sum
// CHECK-COUNT-1: gpu.launch
// CHECK-NOT:     gpu.launch
// CHECK:         %[[SUM:.+]] = gpu.all_reduce add
// CHECK:         scf.if
// CHECK-NOT:       memref.load
// CHECK:           %[[NEW:.+]] = arith.addf %{{.+}}, %[[SUM]]
// CHECK:           memref.store %[[NEW]]
func.func @fill_then_row_sum(%x: memref<?x2048xf32>, %out: memref<?xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.fill ins(%one : f32) outs(%out : memref<?xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x2048xf32>) outs(%out : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a fill is not folded when the reduction reads the filled
// buffer as an input too: the fill stays a kernel before it.
// CHECK-LABEL: func.func @fill_read_by_reduction
// CHECK:       gpu.launch {{.*}} function(@fill_read_by_reduction_kernel_0)
// CHECK:       gpu.launch {{.*}} function(@fill_read_by_reduction_kernel_1)
// CHECK:         gpu.all_reduce add
func.func @fill_read_by_reduction(%x: memref<?x2048xf32>, %out: memref<?xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.fill ins(%one : f32) outs(%out : memref<?xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x, %out : memref<?x2048xf32>, memref<?xf32>) outs(%out : memref<?xf32>) {
  ^bb0(%a: f32, %o: f32, %acc: f32):
    %m = arith.mulf %a, %o : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a lane's private row that only shared loops touch, each at
// its own index (an attention lane's accumulator), keeps in each thread
// only that thread's elements: 64 floats over a warp are 2 a thread,
// indexed by the thread's trip, which unrolling makes constant.
// FOLDED-LABEL: func.func @private_row_compacted
// FOLDED:       gpu.launch
// FOLDED:         %[[ROW:.+]] = memref.alloca() {{.*}}: memref<2xf32>
// FOLDED-NOT:     memref<64xf32>
// FOLDED:         memref.store %{{.+}}, %[[ROW]][%c0{{[_0-9]*}}] : memref<2xf32>
// FOLDED:         memref.store %{{.+}}, %[[ROW]][%c1{{[_0-9]*}}] : memref<2xf32>
// FOLDED:         scf.for
// FOLDED:           memref.load %[[ROW]][%c0{{[_0-9]*}}] : memref<2xf32>
func.func @private_row_compacted(%x: memref<?x8x64xf32>, %y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x8x64xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %acc = memref.alloc() : memref<64xf32>
    scf.parallel (%k) = (%c0) to (%c64) step (%c1) {
      memref.store %zero, %acc[%k] : memref<64xf32>
      scf.reduce
    }
    scf.for %r = %c0 to %c8 step %c1 {
      scf.parallel (%k) = (%c0) to (%c64) step (%c1) {
        %a = memref.load %acc[%k] : memref<64xf32>
        %v = memref.load %x[%i, %r, %k] : memref<?x8x64xf32>
        %s = arith.addf %a, %v : f32
        memref.store %s, %acc[%k] : memref<64xf32>
        scf.reduce
      }
    }
    scf.parallel (%k) = (%c0) to (%c64) step (%c1) {
      %a = memref.load %acc[%k] : memref<64xf32>
      memref.store %a, %y[%i, %k] : memref<?x64xf32>
      scf.reduce
    }
    memref.dealloc %acc : memref<64xf32>
    scf.reduce
  }
  return
}
