func.func @rms_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<16xf32>) {
  %0 = hybrid.rms_norm %x weight(%w : tensor<16xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}
