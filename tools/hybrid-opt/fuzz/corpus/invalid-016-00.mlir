func.func @linear_weight_in(%x: tensor<1x8x32xf32>, %w: tensor<64x16xf32>) {
  %0 = hybrid.linear %x, %w : tensor<1x8x32xf32>, tensor<64x16xf32> -> tensor<1x8x64xf32>
  return
}
