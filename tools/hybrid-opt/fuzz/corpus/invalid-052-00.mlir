func.func @rope_theta(%x: tensor<1x8x4x16xf32>, %p: tensor<1xi64>) {
  %0 = hybrid.rope %x at %p theta 0.0 rotary_dim 16 : tensor<1x8x4x16xf32>, tensor<1xi64>
  return
}
