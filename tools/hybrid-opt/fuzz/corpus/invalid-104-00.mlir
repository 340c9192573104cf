func.func @argmax_rank(%l: tensor<f32>) {
  %0 = hybrid.argmax %l : tensor<f32> -> tensor<i64>
  return
}
