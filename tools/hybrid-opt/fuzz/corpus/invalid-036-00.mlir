func.func @layer_norm_bias(%x: tensor<1x8x32xf32>, %b: tensor<8x16xf32>) {
  %0 = hybrid.layer_norm %x bias(%b : tensor<8x16xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}
