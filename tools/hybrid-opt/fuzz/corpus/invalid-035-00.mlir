func.func @layer_norm_eps(%x: tensor<1x8x32xf32>) {
  %0 = hybrid.layer_norm %x eps -1.0 : tensor<1x8x32xf32>
  return
}
