func.func @scale_cancel(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = hybrid.scale %x by 4.0 : tensor<4xf32>
  %1 = hybrid.scale %0 by 0.25 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
