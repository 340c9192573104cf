func.func @gated_rms_norm_weight(%x: tensor<1x8x32xf32>, %w: tensor<16xf32>) {
  %0 = hybrid.gated_rms_norm %x, %x weight %w eps 1.0e-5 group_size 32 : tensor<1x8x32xf32>, tensor<16xf32>
  return
}
