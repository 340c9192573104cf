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

// Tests that a table read only at rows cast from token ids (an untied
// embedding) is marked "access": "gather" so that a decode roofline does not
// count it, while a table also read whole (a tied head) and a vector read at
// loop indices (a scan's D) are not marked.
// CHECK: \22weights\22:[{\22access\22:\22gather\22,\22dtype\22:\22f32\22,\22name\22:\22embed\22,\22shape\22:[8,4]},{\22dtype\22:\22f32\22,\22name\22:\22tied\22,\22shape\22:[8,4]},{\22dtype\22:\22f32\22,\22name\22:\22d\22,\22shape\22:[4]}]
module attributes {hybrid.model = {name = "m", max_seq = 16 : i64}} {
  func.func @decode(%e: tensor<8x4xf32> {hybrid.weight = "embed"},
                    %tied: tensor<8x4xf32> {hybrid.weight = "tied"},
                    %d: tensor<4xf32> {hybrid.weight = "d"},
                    %t: tensor<1x1xi64> {hybrid.role = "tokens"},
                    %p: tensor<1xi64> {hybrid.role = "position"})
      -> (tensor<1x1x8xf32> {hybrid.role = "logits"}) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %id = tensor.extract %t[%c0, %c0] : tensor<1x1xi64>
    %row = arith.index_cast %id : i64 to index
    %x = tensor.extract %e[%row, %c1] : tensor<8x4xf32>
    %y = tensor.extract %tied[%row, %c1] : tensor<8x4xf32>
    %z = tensor.extract %d[%c1] : tensor<4xf32>
    %l = tensor.empty() : tensor<1x1x8xf32>
    %h = linalg.fill ins(%x : f32) outs(%l : tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
    %s = tensor.insert %y into %h[%c0, %c0, %c1] : tensor<1x1x8xf32>
    %u = tensor.insert %z into %s[%c0, %c0, %c0] : tensor<1x1x8xf32>
    %w = tensor.extract_slice %tied[0, 0] [1, 4] [1, 1] : tensor<8x4xf32> to tensor<1x4xf32>
    %v = tensor.extract %w[%c0, %c0] : tensor<1x4xf32>
    %r = tensor.insert %v into %u[%c0, %c0, %c0] : tensor<1x1x8xf32>
    return %r : tensor<1x1x8xf32>
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
