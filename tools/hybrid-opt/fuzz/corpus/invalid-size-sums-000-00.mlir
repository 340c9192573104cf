func.func @split_sum_overflows(%x: tensor<1x8x32xf32>) {
  %a, %b = hybrid.split %x [4611686018427387904, 4611686018427387904] : tensor<1x8x32xf32> -> tensor<1x8x4611686018427387904xf32>, tensor<1x8x4611686018427387904xf32>
  return
}
