// RUN: hybrid-opt %s -split-input-file -verify-diagnostics

// Tests that a contract attribute under its name must have its type.
// expected-error @+1 {{'hybrid.model' must be a #hybrid.model on a module}}
module attributes {hybrid.model = {name = "m"}} {
}

// -----

// expected-error @+1 {{'hybrid.manifest' must be a string on a module}}
module attributes {hybrid.manifest = 1 : i64} {
}

// -----

module {
  // expected-error @+1 {{'hybrid.model' must be a #hybrid.model on a module}}
  func.func @f() attributes {hybrid.model = #hybrid.model<name = "m", model_type = "t", vocab_size = 1, hidden_size = 1, num_layers = 1, num_codebooks = 1, max_seq = 1>} {
    return
  }
}

// -----

// expected-error @+1 {{argument #0: 'hybrid.state' must be a #hybrid.state, #hybrid.role or #hybrid.weight under its own name}}
func.func @string_state(%s: tensor<2xf32> {hybrid.state = "layers.0.ssm_state"}) {
  return
}

// -----

// expected-error @+1 {{argument #0: 'hybrid.role' must be a #hybrid.state, #hybrid.role or #hybrid.weight under its own name}}
func.func @swapped(%s: tensor<2xf32> {hybrid.role = #hybrid.state<name = "s", layer = 0, kind = ssm_state, scope = sequence>}) {
  return
}

// -----

// expected-error @+1 {{result #0: 'hybrid.weight' must be a #hybrid.state or #hybrid.role under its own name}}
func.func @weight_result() -> (tensor<2xf32> {hybrid.weight = #hybrid.weight<name = "w">}) {
  %0 = tensor.empty() : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// expected-error @+1 {{result #0 has input role tokens}}
func.func @input_role_result() -> (tensor<2xi64> {hybrid.role = #hybrid.role<tokens>}) {
  %0 = tensor.empty() : tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// expected-error @+1 {{result #0 has input role embeds}}
func.func @embeds_result() -> (tensor<?x?x4xf32> {hybrid.role = #hybrid.role<embeds>}) {
  %c0 = arith.constant 0 : index
  %0 = tensor.empty(%c0, %c0) : tensor<?x?x4xf32>
  return %0 : tensor<?x?x4xf32>
}

// -----

// expected-error @+1 {{'hybrid.state' belongs on a function argument or result}}
func.func @state_on_op() attributes {hybrid.state = #hybrid.state<name = "s", layer = 0, kind = ssm_state, scope = sequence>} {
  return
}

// -----

func.func @gemm_type() {
  // expected-error @+1 {{'hybrid.gemm' must be a #hybrid.gemm}}
  %0 = tensor.empty() {hybrid.gemm = "linear"} : tensor<2xf32>
  return
}

// -----

// expected-error @+1 {{unknown hybrid attribute 'hybrid.kernel'}}
func.func @unknown() attributes {hybrid.kernel = "linear"} {
  return
}

// -----

// expected-error @+1 {{#hybrid.state 's' has layer -1, expected >= 0}}
func.func @negative_layer(%s: tensor<2xf32> {hybrid.state = #hybrid.state<name = "s", layer = -1, kind = ssm_state, scope = sequence>}) {
  return
}

// -----

// expected-error @+1 {{#hybrid.weight 'q+k' has 2 parts but 1 part_rows}}
func.func @parts(%w: tensor<2xf32> {hybrid.weight = #hybrid.weight<name = "q+k", parts = ["q", "k"], part_rows = [2]>}) {
  return
}

// -----

// expected-error @+1 {{#hybrid.weight 'q': parts and part_rows go together}}
func.func @parts_alone(%w: tensor<2xf32> {hybrid.weight = #hybrid.weight<name = "q", parts = ["q"]>}) {
  return
}

// -----

func.func @sections() {
  // expected-error @+1 {{#hybrid.gemm has 2 section sizes and 1 section scales}}
  %0 = tensor.empty() {hybrid.gemm = #hybrid.gemm<section_sizes = [2, 2], section_scales = [1.0]>} : tensor<4xf32>
  return
}

// -----

func.func @section_size() {
  // expected-error @+1 {{#hybrid.gemm: section sizes must be positive}}
  %0 = tensor.empty() {hybrid.gemm = #hybrid.gemm<section_sizes = [0, 4], section_scales = [1.0, 1.0]>} : tensor<4xf32>
  return
}
