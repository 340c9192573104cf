func.func @piece_used_before_concat(%p: tensor<1x?x42xf32>) -> (tensor<1x?x16xf32>, tensor<1x?x24xf32>, tensor<1x?x2xf32>) {
  %z, %x, %b, %c, %dt = hybrid.split %p [16, 16, 4, 4, 2] : tensor<1x?x42xf32> -> tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x2xf32>
  %sp = hybrid.activation softplus %dt : tensor<1x?x2xf32>
  %xbc = tensor.concat dim(2) %x, %b, %c : (tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> tensor<1x?x24xf32>
  return %z, %xbc, %sp : tensor<1x?x16xf32>, tensor<1x?x24xf32>, tensor<1x?x2xf32>
}
