func.func @split_sum_wraps_to_last_dim(%x: tensor<1x8x32xf32>) {
  %a, %b, %c, %d, %e = hybrid.split %x [4611686018427387904, 4611686018427387904, 4611686018427387904, 4611686018427387904, 32] : tensor<1x8x32xf32> -> tensor<1x8x?xf32>, tensor<1x8x?xf32>, tensor<1x8x?xf32>, tensor<1x8x?xf32>, tensor<1x8x32xf32>
  return
}
