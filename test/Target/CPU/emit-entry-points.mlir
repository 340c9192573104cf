// RUN: hybrid-opt %s -split-input-file --hybrid-cpu-emit-entry-points -verify-diagnostics | FileCheck %s

// Tests that each _mlir_ciface_ function gets a void(void **args, const
// hyb_env_t *env) entry that loads its descriptor pointers from the argument
// array in order (the CPU ignores env), and that the manifest is exported
// NUL-terminated.
// CHECK: llvm.func @hybrid_entry_decode(%[[ARGS:[^:]+]]: !llvm.ptr, %{{.+}}: !llvm.ptr)
// CHECK: %[[P0:.+]] = llvm.getelementptr %[[ARGS]][0]
// CHECK: %[[D0:.+]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[P1:.+]] = llvm.getelementptr %[[ARGS]][1]
// CHECK: %[[D1:.+]] = llvm.load %[[P1]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @_mlir_ciface_decode(%[[D0]], %[[D1]])
// CHECK: llvm.mlir.global internal constant @hybrid_manifest_text("{\22version\22:2}\00")
// CHECK: llvm.func @hybrid_artifact_manifest() -> !llvm.ptr
// CHECK: llvm.mlir.addressof @hybrid_manifest_text
module attributes {hybrid.manifest = "{\22version\22:2}"} {
  llvm.func @_mlir_ciface_decode(%a: !llvm.ptr, %b: !llvm.ptr) {
    llvm.return
  }
}

// -----

// Tests that the manifest is required.
// expected-error @+1 {{no hybrid.manifest: run hybrid-build-manifest first}}
module {
}
