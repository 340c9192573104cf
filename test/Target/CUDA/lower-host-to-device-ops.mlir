// RUN: hybrid-opt %s --hybrid-cuda-lower-host-to-device-ops | FileCheck %s

// Tests that the host code calls the runtime only through the table of
// runtime/include/hybrid/abi.h: env->device_ops at byte 64 of hyb_env_t,
// launch / gemm / alloc / free at bytes 8 / 16 / 24 / 32 of
// hyb_device_ops_t; that the environment is the entry point's new last
// argument; that a launch passes the kernel's index in the table and one
// pointer per expanded parameter (a rank-1 memref is five); and that a
// #hybrid.gemm becomes one gemm per section of constant scale.

// CHECK-LABEL: func.func @step(
// CHECK-SAME:    %[[ENV:[^:]+]]: !llvm.ptr)
// CHECK:       %[[OPS_AT:.+]] = llvm.getelementptr %[[ENV]][64] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK:       %[[OPS:.+]] = llvm.load %[[OPS_AT]] : !llvm.ptr -> !llvm.ptr
// CHECK:       %[[ALLOC_AT:.+]] = llvm.getelementptr %[[OPS]][24]
// CHECK:       %[[ALLOC:.+]] = llvm.load %[[ALLOC_AT]]
// CHECK:       llvm.call %[[ALLOC]](%[[ENV]], %{{.+}}) : !llvm.ptr, (!llvm.ptr, i64) -> !llvm.ptr
// CHECK:       %[[PARAMS:.+]] = llvm.alloca %{{.+}} x !llvm.ptr
// CHECK-COUNT-5: llvm.store %{{.+}}, %{{.+}} : !llvm.ptr, !llvm.ptr
// CHECK:       %[[LAUNCH_AT:.+]] = llvm.getelementptr %{{.+}}[8]
// CHECK:       %[[LAUNCH:.+]] = llvm.load %[[LAUNCH_AT]]
// CHECK:       %[[SECOND:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK:       llvm.call %[[LAUNCH]](%[[ENV]], %[[SECOND]], {{.*}}, %[[PARAMS]])
// CHECK:       %[[GEMM_AT:.+]] = llvm.getelementptr %{{.+}}[16]
// CHECK:       %[[GEMM:.+]] = llvm.load %[[GEMM_AT]]
// CHECK:       llvm.call %[[GEMM]](%[[ENV]], %{{.+}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr) -> ()
// CHECK:       llvm.call %[[GEMM]](%[[ENV]], %{{.+}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr) -> ()
// CHECK-NOT:   llvm.call %[[GEMM]]
// CHECK:       %[[FREE_AT:.+]] = llvm.getelementptr %{{.+}}[32]
// CHECK:       %[[FREE:.+]] = llvm.load %[[FREE_AT]]
// CHECK:       llvm.call %[[FREE]](%[[ENV]], %{{.+}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr) -> ()
module attributes {gpu.container_module} {
  gpu.module @hybrid_kernels {
    gpu.func @first(%x: memref<?xf32>) kernel {
      gpu.return
    }
    gpu.func @second(%x: memref<?xf32>) kernel {
      gpu.return
    }
  }
  func.func @step(%x: memref<?x?x8xf32>, %w: memref<6x8xf32>, %y: memref<?x?x6xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    %t = memref.alloc(%n) : memref<?xf32>
    gpu.launch_func @hybrid_kernels::@second blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<?xf32>)
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : memref<?x?x8xf32>, memref<6x8xf32>) outs(%y : memref<?x?x6xf32>) attrs = {hybrid.gemm = #hybrid.gemm<section_sizes = [4, 2], section_scales = [1.0, 0.5]>} {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %c, %p : f32
      linalg.yield %s : f32
    }
    memref.dealloc %t : memref<?xf32>
    return
  }
}
