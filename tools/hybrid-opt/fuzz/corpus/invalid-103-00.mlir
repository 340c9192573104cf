func.func @argmax_result(%l: tensor<1x8x128xf32>) {
  %0 = hybrid.argmax %l : tensor<1x8x128xf32> -> tensor<1x128xi64>
  return
}
