%p = hybrid.packed_weight ["a", "b"] rows [2, 3] : tensor<4x4xf32>
