// RUN: hybrid-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(hybrid-cpu-expand-strided-copies))" | FileCheck %s

// Tests that a copy into a KV cache row (a strided view of dynamic extent)
// becomes linalg.copy, which lowers to loops, not a memrefCopy call.
// CHECK-LABEL: func.func @cache_row
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%{{.+}} : memref<1x?x4x64xf32, strided<[?, 1280, 64, 1], offset: ?>>) outs(%{{.+}} : memref<1x?x4x64xf32, strided<[262144, 256, 64, 1], offset: ?>>)
func.func @cache_row(%src: memref<1x?x4x64xf32, strided<[?, 1280, 64, 1], offset: ?>>,
                     %dst: memref<1x?x4x64xf32, strided<[262144, 256, 64, 1], offset: ?>>) {
  memref.copy %src, %dst : memref<1x?x4x64xf32, strided<[?, 1280, 64, 1], offset: ?>> to memref<1x?x4x64xf32, strided<[262144, 256, 64, 1], offset: ?>>
  return
}

// -----

// Tests that copies finalize-memref-to-llvm turns into llvm.memcpy stay:
// identity layouts (dynamic shapes too) and static contiguous views at a
// dynamic offset.
// CHECK-LABEL: func.func @contiguous
// CHECK-NOT: linalg.copy
// CHECK: memref.copy %{{.+}}, %{{.+}} : memref<?x?x768xf32> to memref<?x?x768xf32>
// CHECK: memref.copy %{{.+}}, %{{.+}} : memref<64xf32> to memref<64xf32, strided<[1], offset: ?>>
// CHECK: memref.copy %{{.+}}, %{{.+}} : memref<1x1x4x64xf32, strided<[1280, 1280, 64, 1], offset: ?>> to memref<1x1x4x64xf32, strided<[262144, 256, 64, 1], offset: ?>>
func.func @contiguous(%a: memref<?x?x768xf32>, %b: memref<?x?x768xf32>,
                      %c: memref<64xf32>, %d: memref<64xf32, strided<[1], offset: ?>>,
                      %e: memref<1x1x4x64xf32, strided<[1280, 1280, 64, 1], offset: ?>>,
                      %f: memref<1x1x4x64xf32, strided<[262144, 256, 64, 1], offset: ?>>) {
  memref.copy %a, %b : memref<?x?x768xf32> to memref<?x?x768xf32>
  memref.copy %c, %d : memref<64xf32> to memref<64xf32, strided<[1], offset: ?>>
  memref.copy %e, %f : memref<1x1x4x64xf32, strided<[1280, 1280, 64, 1], offset: ?>> to memref<1x1x4x64xf32, strided<[262144, 256, 64, 1], offset: ?>>
  return
}

// -----

// Tests that one non-contiguous side is enough: a column of a matrix.
// CHECK-LABEL: func.func @column
// CHECK: linalg.copy
func.func @column(%a: memref<8xf32>, %b: memref<8xf32, strided<[16], offset: ?>>) {
  memref.copy %a, %b : memref<8xf32> to memref<8xf32, strided<[16], offset: ?>>
  return
}
