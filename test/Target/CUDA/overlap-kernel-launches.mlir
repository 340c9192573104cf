// RUN: hybrid-opt %s -split-input-file --pass-pipeline='builtin.module(gpu.module(hybrid-cuda-overlap-kernel-launches))' | FileCheck %s

// Tests that every kernel of an sm_90 module signals the next kernel and
// waits for the grid before it at its entry, before any memory access, and
// that the module says so to the manifest; a function that is not a kernel
// is left alone.
// CHECK-LABEL: gpu.module @kernels
// CHECK-SAME:    hybrid.waits_for_prior_grid
// CHECK:       gpu.func @scale
// CHECK-NEXT:    nvvm.griddepcontrol launch_dependents
// CHECK-NEXT:    nvvm.griddepcontrol wait
// CHECK-NEXT:    gpu.thread_id
// CHECK:       gpu.func @helper
// CHECK-NOT:     nvvm.griddepcontrol
// CHECK:         gpu.return
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @scale(%x: memref<256xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %x[%t] : memref<256xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %x[%t] : memref<256xf32>
      gpu.return
    }
    gpu.func @helper(%x: memref<256xf32>) {
      gpu.return
    }
  }
}

// -----

// Tests that a module for a chip without griddepcontrol (sm_80) is left
// as it is: its kernels are launched one after the other.
// CHECK-LABEL: gpu.module @ampere
// CHECK-NOT:   hybrid.waits_for_prior_grid
// CHECK-NOT:   nvvm.griddepcontrol
module attributes {gpu.container_module} {
  gpu.module @ampere [#nvvm.target<chip = "sm_80">] {
    gpu.func @scale(%x: memref<256xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %x[%t] : memref<256xf32>
      memref.store %v, %x[%t] : memref<256xf32>
      gpu.return
    }
  }
}
