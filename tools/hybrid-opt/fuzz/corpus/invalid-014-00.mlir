func.func @linear_input_rank(%x: tensor<f32>, %w: tensor<4x4xf32>) {
  %0 = hybrid.linear %x, %w : tensor<f32>, tensor<4x4xf32> -> tensor<4xf32>
  return
}
