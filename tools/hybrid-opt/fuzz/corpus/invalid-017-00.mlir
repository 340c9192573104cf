func.func @linear_bias(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>, %b: tensor<32xf32>) {
  %0 = hybrid.linear %x, %w bias(%b : tensor<32xf32>) : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}
