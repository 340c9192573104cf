func.func @embedding_table_rank(%t: tensor<128xf32>, %ids: tensor<1x8xi64>) {
  %0 = hybrid.embedding %t[%ids] : tensor<128xf32>, tensor<1x8xi64> -> tensor<1x8x4xf32>
  return
}
