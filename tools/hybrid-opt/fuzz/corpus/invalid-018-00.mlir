func.func @linear_result(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  %0 = hybrid.linear %x, %w : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x32xf32>
  return
}
