func.func @linear_weight_rank(%x: tensor<1x8x32xf32>, %w: tensor<32xf32>) {
  %0 = hybrid.linear %x, %w : tensor<1x8x32xf32>, tensor<32xf32> -> tensor<1x8x32xf32>
  return
}
