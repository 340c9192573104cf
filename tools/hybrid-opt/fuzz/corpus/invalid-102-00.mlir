func.func @moe_selection_bias(%x: tensor<1x8x32xf32>, %r: tensor<4x32xf32>, %u: tensor<4x64x32xf32>, %d: tensor<4x32x64xf32>, %b: tensor<8xf32>) {
  %0 = hybrid.moe %x router %r up %u down %d top_k 2 activation relu2 scoring sigmoid selection_bias(%b : tensor<8xf32>) : tensor<1x8x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  return
}
