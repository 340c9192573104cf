%w = hybrid.stacked_weight ["a", "b"] : tensor<3x4xf32>
