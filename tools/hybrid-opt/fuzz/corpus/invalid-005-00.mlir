%p = hybrid.packed_weight ["a"] rows [4] : tensor<4x4xf32>
