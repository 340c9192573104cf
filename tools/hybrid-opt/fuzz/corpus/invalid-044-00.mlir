func.func @gated_rms_norm_eps(%x: tensor<1x8x32xf32>, %w: tensor<32xf32>) {
  %0 = hybrid.gated_rms_norm %x, %x weight %w eps 0.0 group_size 32 : tensor<1x8x32xf32>, tensor<32xf32>
  return
}
