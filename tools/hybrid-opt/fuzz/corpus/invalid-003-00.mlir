%w = hybrid.stacked_weight ["a", ""] : tensor<2x4xf32>
