func.func @linear_argmax_weight_rank(%h: tensor<1x1x64xf32>, %w: tensor<64xf32>) {
  %0 = hybrid.linear_argmax %h, %w : tensor<1x1x64xf32>, tensor<64xf32> -> tensor<1x1xi64>
  return
}
