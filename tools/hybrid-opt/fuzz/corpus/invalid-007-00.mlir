%p = hybrid.packed_weight ["a", "b"] rows [2, 2] : tensor<?x4xf32>
