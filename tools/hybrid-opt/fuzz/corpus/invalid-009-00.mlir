%p = hybrid.packed_weight ["a", "b"] rows [4, 0] : tensor<4x4xf32>
