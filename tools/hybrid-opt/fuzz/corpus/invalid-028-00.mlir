func.func @activation_kind(%x: tensor<4xf32>) {
  %0 = hybrid.activation swish %x : tensor<4xf32>
  return
}
