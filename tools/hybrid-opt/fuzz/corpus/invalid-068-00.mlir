func.func @conv_width(%x: tensor<1x8x64xf32>, %w: tensor<64x1xf32>, %s: tensor<1x64x0xf32>) {
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<1x8x64xf32>, tensor<64x1xf32>, tensor<1x64x0xf32>
  return
}
