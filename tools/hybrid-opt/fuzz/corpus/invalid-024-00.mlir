func.func @split_count(%x: tensor<1x8x32xf32>) {
  %a, %b = hybrid.split %x [8, 8, 16] : tensor<1x8x32xf32> -> tensor<1x8x8xf32>, tensor<1x8x8xf32>
  return
}
