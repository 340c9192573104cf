func.func @rope_too_wide(%x: tensor<1x8x4x16xf32>, %p: tensor<1xi64>) {
  %0 = hybrid.rope %x at %p theta 1.0e4 rotary_dim 32 : tensor<1x8x4x16xf32>, tensor<1xi64>
  return
}
