func.func @gated_mlp_gate(%x: tensor<1x8x32xf32>, %g: tensor<64x16xf32>, %u: tensor<64x32xf32>, %d: tensor<32x64xf32>) {
  %0 = hybrid.gated_mlp %x, %g, %u, %d activation silu : tensor<1x8x32xf32>, tensor<64x16xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x8x32xf32>
  return
}
