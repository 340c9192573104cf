func.func @add_layer_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<8xf32>) {
  %0, %1 = hybrid.add_layer_norm %x, %x weight(%w : tensor<8xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}
