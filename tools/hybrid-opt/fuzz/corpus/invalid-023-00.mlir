func.func @linear_result_type(%x: tensor<1x8x32xf32>, %w: tensor<64x32xbf16>) {
  %0 = hybrid.linear %x, %w : tensor<1x8x32xf32>, tensor<64x32xbf16> -> tensor<1x8x64xbf16>
  return
}
