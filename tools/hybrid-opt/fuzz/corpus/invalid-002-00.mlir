%w = hybrid.stacked_weight [] : tensor<0x4xf32>
