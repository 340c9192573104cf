func.func @linear_argmax_weight_in(%h: tensor<1x1x64xf32>, %w: tensor<128x32xf32>) {
  %0 = hybrid.linear_argmax %h, %w : tensor<1x1x64xf32>, tensor<128x32xf32> -> tensor<1x1xi64>
  return
}
