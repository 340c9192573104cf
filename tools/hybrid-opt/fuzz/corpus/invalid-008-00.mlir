%p = hybrid.packed_weight ["a", "b"] rows [2, 1, 1] : tensor<4x4xf32>
