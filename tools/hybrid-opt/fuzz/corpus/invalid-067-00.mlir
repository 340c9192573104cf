func.func @conv_weight(%x: tensor<1x8x64xf32>, %w: tensor<32x4xf32>, %s: tensor<1x64x3xf32>) {
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x : tensor<1x8x64xf32>, tensor<32x4xf32>, tensor<1x64x3xf32>
  return
}
