// RUN: hybrid-opt %s -split-input-file --hybrid-cuda-form-kernels | FileCheck %s

// Tests that a residual add in place right after a cuBLASLt GEMM into a
// zero-filled temporary folds into the GEMM, which accumulates into the
// residual (no fill, no add kernel, not `overwrite`).
// CHECK-LABEL: func.func @gemm_then_residual_add
// CHECK-NOT:   gpu.launch
// CHECK-NOT:   linalg.fill
// CHECK:       linalg.generic
// CHECK-SAME:    outs(%arg2 : memref<?x6xf32>)
// CHECK-SAME:    hybrid.gemm = #hybrid.gemm<>
// CHECK-NOT:   gpu.launch
// CHECK:       return
func.func @gemm_then_residual_add(%x: memref<?x8xf32>, %w: memref<6x8xf32>, %r: memref<?x6xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x8xf32>
  %t = memref.alloc(%n) : memref<?x6xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<?x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x8xf32>, memref<6x8xf32>) outs(%t : memref<?x6xf32>) attrs = {hybrid.gemm = #hybrid.gemm<>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%r, %t : memref<?x6xf32>, memref<?x6xf32>) outs(%r : memref<?x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  memref.dealloc %t : memref<?x6xf32>
  return
}

// -----

// Tests that the add stays where the GEMM reads the residual itself
// (x = x + x W^T would read what it writes).
// CHECK-LABEL: func.func @gemm_reading_the_residual
// CHECK:       linalg.generic
// CHECK-SAME:    hybrid.gemm = #hybrid.gemm<overwrite = true>
// CHECK:       gpu.launch
// CHECK:         arith.addf
func.func @gemm_reading_the_residual(%r: memref<?x8xf32>, %w: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %r, %c0 : memref<?x8xf32>
  %t = memref.alloc(%n) : memref<?x8xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<?x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%r, %w : memref<?x8xf32>, memref<8x8xf32>) outs(%t : memref<?x8xf32>) attrs = {hybrid.gemm = #hybrid.gemm<>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%r, %t : memref<?x8xf32>, memref<?x8xf32>) outs(%r : memref<?x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  memref.dealloc %t : memref<?x8xf32>
  return
}

// -----

// Tests that a norm's scaling runs in its sum of squares' block kernel:
// one launch, one block a row, the all-reduce, thread 0's store of the
// sum, a barrier, then the block's threads over the row's elements,
// reading the sum back.
// CHECK-LABEL: func.func @rms_norm
// CHECK:       gpu.launch
// CHECK:         gpu.all_reduce
// CHECK:         scf.if
// CHECK:           memref.store
// CHECK:         gpu.barrier
// CHECK:         scf.for
// CHECK:           math.rsqrt
// CHECK:           memref.store
// CHECK-NOT:   gpu.launch
// CHECK:       return
func.func @rms_norm(%x: memref<?x256xf32>, %g: memref<256xf32>, %y: memref<?x256xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %eps = arith.constant 1.0e-5 : f32
  %d = arith.constant 256.0 : f32
  %n = memref.dim %x, %c0 : memref<?x256xf32>
  %ss = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%zero : f32) outs(%ss : memref<?xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x256xf32>) outs(%ss : memref<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %p = arith.mulf %a, %a : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>, affine_map<(m, k) -> (k)>, affine_map<(m, k) -> (m, k)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x, %ss, %g : memref<?x256xf32>, memref<?xf32>, memref<256xf32>) outs(%y : memref<?x256xf32>) {
  ^bb0(%a: f32, %s: f32, %w: f32, %o: f32):
    %m = arith.divf %s, %d : f32
    %e = arith.addf %m, %eps : f32
    %r = math.rsqrt %e : f32
    %v = arith.mulf %a, %r : f32
    %u = arith.mulf %v, %w : f32
    linalg.yield %u : f32
  }
  memref.dealloc %ss : memref<?xf32>
  return
}

// -----

// Tests that a consumer reading the sum at another row (a shifted map)
// keeps a kernel of its own: another block computes that sum.
// CHECK-LABEL: func.func @consumer_of_another_row
// CHECK:       gpu.launch
// CHECK:         gpu.all_reduce
// CHECK-NOT:     gpu.barrier
// CHECK:       gpu.launch
func.func @consumer_of_another_row(%x: memref<8x256xf32>, %y: memref<7x256xf32>) {
  %zero = arith.constant 0.0 : f32
  %ss = memref.alloc() : memref<8xf32>
  linalg.fill ins(%zero : f32) outs(%ss : memref<8xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x256xf32>) outs(%ss : memref<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, k) -> (m + 1)>, affine_map<(m, k) -> (m, k)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%ss : memref<8xf32>) outs(%y : memref<7x256xf32>) {
  ^bb0(%s: f32, %o: f32):
    linalg.yield %s : f32
  }
  memref.dealloc %ss : memref<8xf32>
  return
}

// -----

// Tests that a pointwise producer read once a lane by the parallel loop
// after it (a scan's per-head dt) is recomputed there: no kernel of its
// own, its exp inside the loop's kernel.
// CHECK-LABEL: func.func @dt_into_scan
// CHECK:       gpu.launch
// CHECK:         math.exp
// CHECK:         math.log1p
// CHECK-NOT:   gpu.launch
// CHECK:       return
func.func @dt_into_scan(%raw: memref<4xf32>, %h: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %dt = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      ins(%raw : memref<4xf32>) outs(%dt : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    %l = math.log1p %e : f32
    linalg.yield %l : f32
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %d = memref.load %dt[%i] : memref<4xf32>
    scf.for %j = %c0 to %c16 step %c1 {
      %v = memref.load %h[%i, %j] : memref<4x16xf32>
      %m = arith.mulf %v, %d : f32
      memref.store %m, %h[%i, %j] : memref<4x16xf32>
    }
    scf.reduce
  }
  memref.dealloc %dt : memref<4xf32>
  return
}

// -----

// Tests that a producer read inside the loop's inner loop (recomputed a
// trip) keeps its kernel.
// CHECK-LABEL: func.func @producer_read_in_an_inner_loop
// CHECK:       gpu.launch
// CHECK:         math.exp
// CHECK:       gpu.launch
// CHECK-NOT:     math.exp
func.func @producer_read_in_an_inner_loop(%raw: memref<16xf32>, %h: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %e = memref.alloc() : memref<16xf32>
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      ins(%raw : memref<16xf32>) outs(%e : memref<16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %x = math.exp %a : f32
    linalg.yield %x : f32
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.for %j = %c0 to %c16 step %c1 {
      %d = memref.load %e[%j] : memref<16xf32>
      %v = memref.load %h[%i, %j] : memref<4x16xf32>
      %m = arith.mulf %v, %d : f32
      memref.store %m, %h[%i, %j] : memref<4x16xf32>
    }
    scf.reduce
  }
  memref.dealloc %e : memref<16xf32>
  return
}

// -----

// Tests that a gate `y * silu(z)` read by a norm's sum of squares (a block
// reduction) and by its scaling, which writes over the gate in place
// through a reshape, is recomputed in both: one kernel, the gate's buffer
// only the output, y and z read through the same reshape.
// CHECK-LABEL: func.func @gate_into_gated_norm
// CHECK:       memref.expand_shape %arg0
// CHECK:       memref.expand_shape %arg1
// CHECK:       gpu.launch
// CHECK:         math.exp
// CHECK:         gpu.all_reduce
// CHECK:         math.exp
// CHECK:         math.rsqrt
// CHECK-NOT:   gpu.launch
// CHECK:       return
func.func @gate_into_gated_norm(%y: memref<?x1x64xf32>, %z: memref<?x1x64xf32>, %w: memref<1x64xf32>, %o: memref<?x1x64xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = memref.dim %y, %c0 : memref<?x1x64xf32>
  %g = memref.alloc(%n) : memref<?x1x64xf32>
  linalg.generic {indexing_maps = [affine_map<(a, b, c) -> (a, b, c)>, affine_map<(a, b, c) -> (a, b, c)>, affine_map<(a, b, c) -> (a, b, c)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%y, %z : memref<?x1x64xf32>, memref<?x1x64xf32>) outs(%g : memref<?x1x64xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %e = arith.negf %b : f32
    %x = math.exp %e : f32
    %d = arith.addf %x, %one : f32
    %s = arith.divf %b, %d : f32
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  }
  %gv = memref.expand_shape %g [[0], [1], [2, 3]] output_shape [%n, 1, 1, 64] : memref<?x1x64xf32> into memref<?x1x1x64xf32>
  %n2 = memref.dim %gv, %c0 : memref<?x1x1x64xf32>
  %ss = memref.alloc(%n2) : memref<?x1x1xf32>
  linalg.fill ins(%zero : f32) outs(%ss : memref<?x1x1xf32>)
  linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b, c)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%gv : memref<?x1x1x64xf32>) outs(%ss : memref<?x1x1xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %p = arith.mulf %a, %a : f32
    %s = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b, c)>, affine_map<(a, b, c, d) -> (c, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%gv, %ss, %w : memref<?x1x1x64xf32>, memref<?x1x1xf32>, memref<1x64xf32>) outs(%gv : memref<?x1x1x64xf32>) {
  ^bb0(%a: f32, %s: f32, %wt: f32, %out: f32):
    %r = math.rsqrt %s : f32
    %t = arith.mulf %a, %r : f32
    %u = arith.mulf %t, %wt : f32
    linalg.yield %u : f32
  }
  memref.dealloc %ss : memref<?x1x1xf32>
  memref.dealloc %g : memref<?x1x64xf32>
  return
}

// -----

// Tests that the gate stays a kernel of its own where something between
// its consumers reads it another way (a copy of it, which must see the
// gate, not the norm's output).
// CHECK-LABEL: func.func @gate_read_by_a_copy
// CHECK:       gpu.launch
// CHECK:         math.exp
// CHECK:       gpu.launch
// CHECK:       gpu.all_reduce
func.func @gate_read_by_a_copy(%y: memref<?x64xf32>, %z: memref<?x64xf32>, %o: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = memref.dim %y, %c0 : memref<?x64xf32>
  %g = memref.alloc(%n) : memref<?x64xf32>
  linalg.generic {indexing_maps = [affine_map<(a, c) -> (a, c)>, affine_map<(a, c) -> (a, c)>, affine_map<(a, c) -> (a, c)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%y, %z : memref<?x64xf32>, memref<?x64xf32>) outs(%g : memref<?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %e = arith.negf %b : f32
    %x = math.exp %e : f32
    %m = arith.mulf %a, %x : f32
    linalg.yield %m : f32
  }
  %ss = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%zero : f32) outs(%ss : memref<?xf32>)
  linalg.generic {indexing_maps = [affine_map<(a, c) -> (a, c)>, affine_map<(a, c) -> (a)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%g : memref<?x64xf32>) outs(%ss : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %p = arith.mulf %a, %a : f32
    %s = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  }
  memref.copy %g, %o : memref<?x64xf32> to memref<?x64xf32>
  linalg.generic {indexing_maps = [affine_map<(a, c) -> (a, c)>, affine_map<(a, c) -> (a)>, affine_map<(a, c) -> (a, c)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%g, %ss : memref<?x64xf32>, memref<?xf32>) outs(%g : memref<?x64xf32>) {
  ^bb0(%a: f32, %s: f32, %out: f32):
    %r = math.rsqrt %s : f32
    %t = arith.mulf %a, %r : f32
    linalg.yield %t : f32
  }
  memref.dealloc %ss : memref<?xf32>
  memref.dealloc %g : memref<?x64xf32>
  return
}
