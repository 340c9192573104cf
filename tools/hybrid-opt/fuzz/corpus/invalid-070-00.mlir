func.func @conv_state(%x: tensor<1x8x64xf32>, %w: tensor<64x4xf32>, %s: tensor<1x64x4xf32>) {
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<1x8x64xf32>, tensor<64x4xf32>, tensor<1x64x4xf32>
  return
}
