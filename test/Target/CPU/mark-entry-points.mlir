// RUN: hybrid-opt %s --hybrid-cpu-mark-entry-points | FileCheck %s

// Tests that public entry points are marked for the C interface (the
// wrappers hybrid-cpu-emit-entry-points calls), and that private and
// external functions are not.
// CHECK: func.func @decode() attributes {llvm.emit_c_interface}
// CHECK: func.func private @helper() {
// CHECK: func.func private @external()
// CHECK-NOT: llvm.emit_c_interface
func.func @decode() {
  return
}
func.func private @helper() {
  return
}
func.func private @external()
