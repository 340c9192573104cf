%w = hybrid.weight "" : tensor<4xf32>
