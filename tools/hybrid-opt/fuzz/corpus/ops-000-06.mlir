func.func @mamba2(%x: tensor<1x?x8x16xf32>, %dt: tensor<1x?x8xf32>, %a: tensor<8xf32>,
                  %bm: tensor<1x?x2x32xf32>, %cm: tensor<1x?x2x32xf32>, %d: tensor<8xf32>,
                  %s: tensor<1x8x16x32xf32>) -> (tensor<1x?x8x16xf32>, tensor<1x8x16x32xf32>) {
  %y, %s1 = hybrid.ssd_scan %x, %dt, %a, %bm, %cm skip(%d : tensor<8xf32>) gate(%x : tensor<1x?x8x16xf32>)
      dt_bias(%d : tensor<8xf32>) state %s into %x chunk_size 256
      {dt_softplus, dt_min = 1.0e-03 : f64, dt_max = 100.0 : f64}
      : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x2x32xf32>, tensor<1x8x16x32xf32>
  %y2, %s2 = hybrid.ssd_scan %y, %dt, %a, %bm, %cm state %s1 into %x chunk_size 8
      : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x2x32xf32>, tensor<1x8x16x32xf32>
  return %y2, %s2 : tensor<1x?x8x16xf32>, tensor<1x8x16x32xf32>
}
