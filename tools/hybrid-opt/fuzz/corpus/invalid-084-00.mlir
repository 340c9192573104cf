func.func @ssd_skip(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x16xf32>, %d: tensor<64xf32>, %s: tensor<1x4x16x16xf32>) {
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %b, %b skip(%d : tensor<64xf32>) state %s into %x chunk_size 8 : tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x16xf32>, tensor<1x4x16x16xf32>
  return
}
