func.func @scale_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = hybrid.scale %x by 0.5 : tensor<4xf32>
  %1 = hybrid.scale %0 by 3.0 : tensor<4xf32>
  %2 = hybrid.scale %1 by 0.5 : tensor<4xf32>
  return %2 : tensor<4xf32>
}
