func.func @rejoin_all(%p: tensor<2x12xf32>) -> tensor<2x12xf32> {
  %a, %b = hybrid.split %p [4, 8] : tensor<2x12xf32> -> tensor<2x4xf32>, tensor<2x8xf32>
  %j = tensor.concat dim(1) %a, %b : (tensor<2x4xf32>, tensor<2x8xf32>) -> tensor<2x12xf32>
  return %j : tensor<2x12xf32>
}
