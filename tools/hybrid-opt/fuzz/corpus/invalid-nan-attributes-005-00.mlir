func.func @rms_norm_epsilon_nan(%x: tensor<1x8x32xf32>) {
  %0 = hybrid.rms_norm %x eps 0x7FF8000000000000 : tensor<1x8x32xf32>
  return
}
