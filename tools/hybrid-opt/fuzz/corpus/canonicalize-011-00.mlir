func.func @other_dim(%p: tensor<2x8xf32>) -> tensor<4x4xf32> {
  %a, %b = hybrid.split %p [4, 4] : tensor<2x8xf32> -> tensor<2x4xf32>, tensor<2x4xf32>
  %j = tensor.concat dim(0) %a, %b : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %j : tensor<4x4xf32>
}
