// RUN: hybrid-opt %s -split-input-file --hybrid-build-manifest -verify-diagnostics | FileCheck %s

// Tests that the manifest lists weights, per-sequence state (without the batch
// dim) and each entry's arguments in final ABI order: weights, tokens,
// position, state, then the output buffers; and marks entries for the C
// interface.
// CHECK: module attributes {hybrid.manifest = "{\22entry_points\22:[{\22args\22:[{\22name\22:\22w\22,\22role\22:\22weight\22},{\22dtype\22:\22i64\22,\22role\22:\22tokens\22,\22shape\22:[\22B\22,1]},{\22dtype\22:\22i64\22,\22role\22:\22position\22,\22shape\22:[\22B\22]},{\22name\22:\22layers.3.k_cache\22,\22role\22:\22state\22},{\22dtype\22:\22f32\22,\22role\22:\22logits\22,\22shape\22:[\22B\22,1,8]}],\22name\22:\22decode\22,\22symbol\22:\22hybrid_entry_decode\22}],\22format\22:\22hybridc-artifact\22,\22max_seq\22:16,\22model\22:{\22max_seq\22:16,\22name\22:\22m\22},\22state\22:[{\22dtype\22:\22bf16\22,\22layer\22:3,\22name\22:\22layers.3.k_cache\22,\22shape\22:[16,2,4]}],\22target\22:{\22kind\22:\22cpu\22},\22version\22:1,\22weights\22:[{\22dtype\22:\22f32\22,\22name\22:\22w\22,\22shape\22:[8,4]}]}"
// CHECK: func.func @decode({{.*}}) {{.*}}attributes {llvm.emit_c_interface}
module attributes {hybrid.model = {name = "m", max_seq = 16 : i64}} {
  func.func @decode(%w: tensor<8x4xf32> {hybrid.weight = "w"},
                    %t: tensor<?x1xi64> {hybrid.role = "tokens"},
                    %p: tensor<?xi64> {hybrid.role = "position"},
                    %k: tensor<?x16x2x4xbf16> {hybrid.state = "layers.3.k_cache"})
      -> (tensor<?x1x8xf32> {hybrid.role = "logits"}, tensor<?x16x2x4xbf16> {hybrid.state = "layers.3.k_cache"}) {
    %c0 = arith.constant 0 : index
    %b = tensor.dim %t, %c0 : tensor<?x1xi64>
    %l = tensor.empty(%b) : tensor<?x1x8xf32>
    return %l, %k : tensor<?x1x8xf32>, tensor<?x16x2x4xbf16>
  }
}

// -----

// Tests that an entry argument without a role is an error.
module attributes {hybrid.model = {name = "m", max_seq = 16 : i64}} {
  // expected-error @+1 {{entry point argument #0 has no hybrid.weight/state/role attribute}}
  func.func @prefill(%x: tensor<?x?xi64>) {
    return
  }
}

// -----

// Tests that the model description is required.
// expected-error @+1 {{hybrid-build-manifest needs the hybrid.model attribute}}
module {
}
