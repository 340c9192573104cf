// RUN: hybrid-opt %s -split-input-file --hybrid-cuda-embed-device-code -verify-diagnostics | FileCheck %s

// Tests that the kernels become a cubin and their PTX inside the host module
// (one NVPTX compilation, ptxas from /usr/local/cuda), that the manifest's
// target gains the arch, the PTX ISA version and the kernel table in the
// module's order, and that the gpu.module is gone.
// CHECK-NOT:   gpu.module
// CHECK:       hybrid.manifest = "{{.*}}\22arch\22:\22sm_90a\22,\22kernels\22:[\22first\22,\22second\22],\22kind\22:\22cuda\22,\22ptx_version\22:80
// CHECK:       llvm.mlir.global internal constant @hybrid_cuda_cubin_data("\7FELF
// CHECK:       llvm.mlir.global internal constant @hybrid_cuda_ptx_text("{{.*}}.target sm_90a{{.*}}.entry first{{.*}}.entry second
// CHECK:       llvm.func @hybrid_cuda_cubin(%{{.+}}: !llvm.ptr) -> !llvm.ptr
// CHECK:       llvm.func @hybrid_cuda_ptx() -> !llvm.ptr
module attributes {gpu.container_module, hybrid.manifest = "{\22target\22:{\22kind\22:\22cuda\22}}"} {
  gpu.module @hybrid_kernels [#nvvm.target<chip = "sm_90a", features = "+ptx80">] {
    llvm.func @first() attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
    llvm.func @second() attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
}

// -----

// Tests that the kernels must have been given their target.
module attributes {gpu.container_module, hybrid.manifest = "{\22target\22:{\22kind\22:\22cuda\22}}"} {
  // expected-error @+1 {{expected one #nvvm.target (nvvm-attach-target)}}
  gpu.module @hybrid_kernels {
    llvm.func @first() attributes {gpu.kernel, nvvm.kernel} {
      llvm.return
    }
  }
}
