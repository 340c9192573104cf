%p = hybrid.packed_weight ["", "b"] rows [2, 2] : tensor<4x4xf32>
