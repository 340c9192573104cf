func.func @rope_rank(%x: tensor<1x8x64xf32>, %p: tensor<1xi64>) {
  %0 = hybrid.rope %x at %p theta 1.0e4 rotary_dim 16 : tensor<1x8x64xf32>, tensor<1xi64>
  return
}
