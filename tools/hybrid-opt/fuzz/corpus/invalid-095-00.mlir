func.func @gated_mlp_rank(%x: tensor<f32>, %g: tensor<64x32xf32>, %d: tensor<32x64xf32>) {
  %0 = hybrid.gated_mlp %x, %g, %g, %d activation silu : tensor<f32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<32xf32>
  return
}
