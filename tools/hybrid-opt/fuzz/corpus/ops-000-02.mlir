func.func @pointwise(%x: tensor<1x?x32xf32>) -> tensor<1x?x32xf32> {
  %0 = hybrid.activation silu %x : tensor<1x?x32xf32>
  %1 = hybrid.activation relu2 %0 : tensor<1x?x32xf32>
  %2 = hybrid.activation gelu_tanh %1 : tensor<1x?x32xf32>
  %3 = hybrid.scale %2 by 1.25 : tensor<1x?x32xf32>
  return %3 : tensor<1x?x32xf32>
}
