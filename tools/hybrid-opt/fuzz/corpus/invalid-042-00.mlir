func.func @add_layer_norm_bias(%x: tensor<1x8x32xf32>, %b: tensor<16xf32>) {
  %0, %1 = hybrid.add_layer_norm %x, %x bias(%b : tensor<16xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}
