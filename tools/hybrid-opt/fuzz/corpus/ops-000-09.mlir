func.func @greedy_head(%h: tensor<?x1x64xf32>, %w: tensor<128x64xbf16>) -> (tensor<?x1xi64>, tensor<?x1xi64>) {
  %t = hybrid.linear_argmax %h, %w : tensor<?x1x64xf32>, tensor<128x64xbf16> -> tensor<?x1xi64>
  %s = hybrid.linear_argmax %h, %w {output_scale = 0.125 : f64} : tensor<?x1x64xf32>, tensor<128x64xbf16> -> tensor<?x1xi64>
  return %t, %s : tensor<?x1xi64>, tensor<?x1xi64>
}
