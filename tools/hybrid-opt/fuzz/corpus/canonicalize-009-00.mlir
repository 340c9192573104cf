func.func @gap(%p: tensor<2x12xf32>) -> (tensor<2x8xf32>, tensor<2x4xf32>) {
  %a, %b, %c = hybrid.split %p [4, 4, 4] : tensor<2x12xf32> -> tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
  %j = tensor.concat dim(1) %a, %c : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x8xf32>
  return %j, %b : tensor<2x8xf32>, tensor<2x4xf32>
}
