func.func @gated_mlp_result(%x: tensor<1x8x32xf32>, %g: tensor<64x32xf32>, %d: tensor<16x64xf32>) {
  %0 = hybrid.gated_mlp %x, %g, %g, %d activation silu : tensor<1x8x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<16x64xf32> -> tensor<1x8x32xf32>
  return
}
