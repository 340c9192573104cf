func.func @input_role_result() -> (tensor<2xi64> {hybrid.role = #hybrid.role<tokens>}) {
  %0 = tensor.empty() : tensor<2xi64>
  return %0 : tensor<2xi64>
}
