// RUN: hybrid-opt %s -split-input-file --hybrid-build-manifest -verify-diagnostics | FileCheck %s

// Tests that the manifest (version 2) lists the model, weights, per-sequence
// state (without the batch dim, with its layer, kind and scope from the
// #hybrid.state, never from its name) and each entry's arguments in final ABI
// order: weights, tokens, position, state, then the output buffers, inputs
// and outputs named, with "io" and symbolic shapes, and the entry's advance
// (1 for a [B, 1] decode).
// CHECK: module attributes {hybrid.manifest = "{\22entry_points\22:[{\22advance\22:1,\22args\22:[{\22name\22:\22w\22,\22role\22:\22weight\22},{\22dtype\22:\22i64\22,\22io\22:\22in\22,\22name\22:\22tokens\22,\22role\22:\22tokens\22,\22shape\22:[\22B\22,1]},{\22dtype\22:\22i64\22,\22io\22:\22in\22,\22name\22:\22position\22,\22role\22:\22position\22,\22shape\22:[\22B\22]},{\22name\22:\22layers.3.k_cache\22,\22role\22:\22state\22},{\22dtype\22:\22f32\22,\22io\22:\22out\22,\22name\22:\22logits\22,\22role\22:\22logits\22,\22shape\22:[\22B\22,1,8]}],\22name\22:\22decode\22,\22symbol\22:\22hybrid_entry_decode\22}],\22format\22:\22hybridc-artifact\22,\22max_seq\22:16,\22model\22:{\22hidden_size\22:4,\22max_seq\22:16,\22model_type\22:\22t\22,\22name\22:\22m\22,\22num_codebooks\22:1,\22num_layers\22:4,\22vocab_size\22:8},\22state\22:[{\22dtype\22:\22bf16\22,\22kind\22:\22k_cache\22,\22layer\22:3,\22name\22:\22layers.3.k_cache\22,\22scope\22:\22sequence\22,\22shape\22:[16,2,4]}],\22target\22:{\22kind\22:\22cpu\22},\22version\22:2,\22weights\22:[{\22dtype\22:\22f32\22,\22name\22:\22w\22,\22shape\22:[8,4]}]}"
module attributes {hybrid.model = #hybrid.model<name = "m", model_type = "t", vocab_size = 8, hidden_size = 4, num_layers = 4, num_codebooks = 1, max_seq = 16>} {
  func.func @decode(%w: tensor<8x4xf32> {hybrid.weight = #hybrid.weight<name = "w">},
                    %t: tensor<?x1xi64> {hybrid.role = #hybrid.role<tokens>},
                    %p: tensor<?xi64> {hybrid.role = #hybrid.role<position>},
                    %k: tensor<?x16x2x4xbf16> {hybrid.state = #hybrid.state<name = "layers.3.k_cache", layer = 3, kind = k_cache, scope = sequence>})
      -> (tensor<?x1x8xf32> {hybrid.role = #hybrid.role<logits>}, tensor<?x16x2x4xbf16> {hybrid.state = #hybrid.state<name = "layers.3.k_cache", layer = 3, kind = k_cache, scope = sequence>}) {
    %c0 = arith.constant 0 : index
    %b = tensor.dim %t, %c0 : tensor<?x1xi64>
    %l = tensor.empty(%b) : tensor<?x1x8xf32>
    return %l, %k : tensor<?x1x8xf32>, tensor<?x16x2x4xbf16>
  }
}

// -----

// Tests that a weight bound with access = gather in every entry point is
// marked "access": "gather", so that a decode roofline does not count it,
// while one gathered in one entry point but read whole in another (a tied
// head) and a streamed one are not.
// CHECK: \22weights\22:[{\22access\22:\22gather\22,\22dtype\22:\22f32\22,\22name\22:\22embed\22,\22shape\22:[8,4]},{\22dtype\22:\22f32\22,\22name\22:\22tied\22,\22shape\22:[8,4]},{\22dtype\22:\22f32\22,\22name\22:\22d\22,\22shape\22:[4]}]
module attributes {hybrid.model = #hybrid.model<name = "m", model_type = "t", vocab_size = 8, hidden_size = 4, num_layers = 4, num_codebooks = 1, max_seq = 16>} {
  func.func @prefill(%e: tensor<8x4xf32> {hybrid.weight = #hybrid.weight<name = "embed", access = gather>},
                     %tied: tensor<8x4xf32> {hybrid.weight = #hybrid.weight<name = "tied", access = gather>},
                     %d: tensor<4xf32> {hybrid.weight = #hybrid.weight<name = "d">},
                     %t: tensor<1x1xi64> {hybrid.role = #hybrid.role<tokens>},
                     %p: tensor<1xi64> {hybrid.role = #hybrid.role<position>})
      -> (tensor<8x4xf32> {hybrid.role = #hybrid.role<logits>}, tensor<8x4xf32> {hybrid.role = #hybrid.role<logits>}, tensor<4xf32> {hybrid.role = #hybrid.role<logits>}) {
    return %e, %tied, %d : tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>
  }
  func.func @decode(%e: tensor<8x4xf32> {hybrid.weight = #hybrid.weight<name = "embed", access = gather>},
                    %tied: tensor<8x4xf32> {hybrid.weight = #hybrid.weight<name = "tied">},
                    %t: tensor<1x1xi64> {hybrid.role = #hybrid.role<tokens>},
                    %p: tensor<1xi64> {hybrid.role = #hybrid.role<position>})
      -> (tensor<8x4xf32> {hybrid.role = #hybrid.role<logits>}, tensor<8x4xf32> {hybrid.role = #hybrid.role<logits>}) {
    return %e, %tied : tensor<8x4xf32>, tensor<8x4xf32>
  }
}

// -----

// Tests that an entry point fed hidden vectors (role embeds, f32 [B, T, D])
// advances by their "T", and that an audio model's frame rate is the
// manifest's model.frame_rate.
// CHECK: \22advance\22:\22T\22,\22args\22:[{\22dtype\22:\22f32\22,\22io\22:\22in\22,\22name\22:\22embeds\22,\22role\22:\22embeds\22,\22shape\22:[\22B\22,\22T\22,4]}
// CHECK-SAME: \22name\22:\22prefill_embeds\22
// CHECK-SAME: \22frame_rate\22:86.1328125,
module attributes {hybrid.model = #hybrid.model<name = "z", model_type = "zonos", vocab_size = 1026, hidden_size = 4, num_layers = 1, num_codebooks = 9, max_seq = 16, frame_rate = 86.1328125 : f64>} {
  func.func @prefill_embeds(%h: tensor<?x?x4xf32> {hybrid.role = #hybrid.role<embeds>})
      -> (tensor<?x?x9x8xf32> {hybrid.role = #hybrid.role<logits>}) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %b = tensor.dim %h, %c0 : tensor<?x?x4xf32>
    %t = tensor.dim %h, %c1 : tensor<?x?x4xf32>
    %l = tensor.empty(%b, %t) : tensor<?x?x9x8xf32>
    return %l : tensor<?x?x9x8xf32>
  }
}

// -----

// Tests that an entry argument without a role is an error.
module attributes {hybrid.model = #hybrid.model<name = "m", model_type = "t", vocab_size = 8, hidden_size = 4, num_layers = 4, num_codebooks = 1, max_seq = 16>} {
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
