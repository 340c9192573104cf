func.func @activation_types(%x: tensor<4xf32>) {
  %0 = "hybrid.activation"(%x) <{kind = 0 : i32}> : (tensor<4xf32>) -> tensor<4xf16>
  return
}
