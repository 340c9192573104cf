//===- Target/CUDA/Passes.td - CUDA target passes -*- tablegen -*-===//
//
// Passes of the CUDA target only: its host code's calls into the runtime and
// the serialization of its kernels. Every flag is hybrid-cuda-<name>; tests
// under test/Target/CUDA/. The kernels themselves are formed by the generic
// hybrid-form-gpu-kernels (passes/Conversion/LoopsToGPU/).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_TARGET_CUDA_PASSES_TD
#define HYBRIDC_PASSES_TARGET_CUDA_PASSES_TD

include "mlir/Pass/PassBase.td"

def HybridCUDALowerHostToDeviceOpsPass
    : Pass<"hybrid-cuda-lower-host-to-device-ops", "::mlir::ModuleOp"> {
  let summary = "Lowers launches, GEMMs and temporaries of host code to "
                "calls through hyb_env_t::device_ops";
  let description = [{
    Runs on the host functions of a module whose kernels are outlined. Every
    public function gets the runtime's environment (`hyb_env_t *`) as a
    trailing `!llvm.ptr` argument, and
    - `gpu.launch_func` becomes `env->device_ops->launch(env, kernel, grid,
      block, shared, params)`, `kernel` the index of the kernel in the
      kernel table (the gpu.module's kernels in order), `params` pointers to
      stack copies of the kernel's parameters (memrefs expanded as the
      kernel's signature takes them);
    - a `linalg.generic` tagged `#hybrid.gemm` whose operands the library
      takes (rank 2 or 3 activations, [N, K] weights, unit inner strides)
      becomes one `gemm(env, &desc)` per weight and section of constant
      scale, `desc` a `hyb_gemm_t` (beta 1: the output holds the
      accumulator's initial value);
    - `memref.alloc` / `memref.dealloc` become `alloc` / `free`
      (stream-ordered on the device).
    Field offsets are `offsetof` of runtime/include/hybrid/abi.h.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def HybridCUDAOverlapKernelLaunchesPass
    : Pass<"hybrid-cuda-overlap-kernel-launches", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Lets each kernel start while the kernel before it finishes";
  let description = [{
    A decode step is hundreds of short kernels; between two of them the GPU
    drains the first, then launches the second and waits a memory latency
    before its first load returns. On Hopper (sm_90 and later), a kernel
    launched with programmatic stream serialization may start once every
    block of the one before has signalled `griddepcontrol.launch_dependents`,
    and `griddepcontrol.wait` holds it until that grid has completed and its
    writes are visible. This pass puts both at the entry of every kernel of
    a gpu.module whose `#nvvm.target` chip is sm_90 or later, before any
    memory access: the signal first (the next kernel may be scheduled as
    soon as this one is), then the wait (nothing this kernel reads or writes
    is touched before the grid it depends on is done). It marks the module
    `hybrid.waits_for_prior_grid`; the manifest then tells the runtime that
    it may launch these kernels overlapped. Other chips are left as they are.
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect"];
}

def HybridCUDAEmbedDeviceCodePass
    : Pass<"hybrid-cuda-embed-device-code", "::mlir::ModuleOp"> {
  let summary = "Compiles the kernels to a cubin and embeds it with its PTX";
  let description = [{
    Runs once the gpu.module is NVVM and the host code calls the runtime.
    Serializes the gpu.module through its `#nvvm.target` once, with ptxas
    of `toolkit`, to a cubin for the target's chip, keeping the PTX it
    assembled (the ISA callback). Emits
    `hybrid_cuda_cubin(uint64_t *size)` and `hybrid_cuda_ptx()` returning
    them (docs/ABI.md), adds `arch`, `ptx_version` and `kernels` to the
    manifest's target, and erases the gpu.module.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"toolkitPath", "toolkit", "std::string",
           /*default=*/"\"/usr/local/cuda\"",
           "The CUDA toolkit whose ptxas makes the cubin">
  ];
}

#endif // HYBRIDC_PASSES_TARGET_CUDA_PASSES_TD
