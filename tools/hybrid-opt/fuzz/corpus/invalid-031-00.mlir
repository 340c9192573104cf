func.func @rms_norm_eps(%x: tensor<1x8x32xf32>) {
  %0 = hybrid.rms_norm %x eps 0.0 : tensor<1x8x32xf32>
  return
}
