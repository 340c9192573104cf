func.func @embedding_result_shape(%t: tensor<128x32xf32>, %ids: tensor<1x8xi64>) {
  %0 = hybrid.embedding %t[%ids] : tensor<128x32xf32>, tensor<1x8xi64> -> tensor<1x8x16xf32>
  return
}
