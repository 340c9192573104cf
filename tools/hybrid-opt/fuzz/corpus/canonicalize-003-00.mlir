func.func @scale_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = hybrid.scale %x by 2.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}
