func.func @layer_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<2x1x8x32xf32>) {
  %0 = hybrid.layer_norm %x weight(%w : tensor<2x1x8x32xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}
