func.func @rope_position(%x: tensor<2x8x4x16xf32>, %p: tensor<1xi64>) {
  %0 = hybrid.rope %x at %p theta 1.0e4 rotary_dim 16 : tensor<2x8x4x16xf32>, tensor<1xi64>
  return
}
