func.func @weight_result() -> (tensor<2xf32> {hybrid.weight = #hybrid.weight<name = "w">}) {
  %0 = tensor.empty() : tensor<2xf32>
  return %0 : tensor<2xf32>
}
