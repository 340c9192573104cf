func.func @embedding_element_type(%t: tensor<128x32xf32>, %ids: tensor<1x8xi64>) {
  %0 = hybrid.embedding %t[%ids] : tensor<128x32xf32>, tensor<1x8xi64> -> tensor<1x8x32xbf16>
  return
}
