func.func @sampling(%logits: tensor<1x?x128xf32>) -> tensor<1x?xi64> {
  %t = hybrid.argmax %logits : tensor<1x?x128xf32> -> tensor<1x?xi64>
  return %t : tensor<1x?xi64>
}
