func.func @scale_by_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = hybrid.scale %x by 1.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}
