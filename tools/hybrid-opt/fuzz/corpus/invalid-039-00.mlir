func.func @add_rms_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<64xf32>) {
  %0, %1 = hybrid.add_rms_norm %x, %x weight(%w : tensor<64xf32>) eps 1.0e-5 : tensor<1x8x32xf32>
  return
}
