func.func @rope_theta_nan(%x: tensor<1x8x4x16xf32>, %p: tensor<1xi64>) {
  %0 = hybrid.rope %x at %p theta 0x7FF8000000000000 rotary_dim 16 : tensor<1x8x4x16xf32>, tensor<1xi64>
  return
}
