func.func @linear_argmax_result(%h: tensor<2x1x64xf32>, %w: tensor<128x64xf32>) {
  %0 = hybrid.linear_argmax %h, %w : tensor<2x1x64xf32>, tensor<128x64xf32> -> tensor<2x128xi64>
  return
}
