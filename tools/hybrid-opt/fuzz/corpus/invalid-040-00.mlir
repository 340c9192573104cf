func.func @add_rms_norm_types(%x: tensor<1x8x32xf32>, %r: tensor<1x8x16xf32>) {
  %0, %1 = "hybrid.add_rms_norm"(%x, %r) <{epsilon = 1.0e-5 : f64}> : (tensor<1x8x32xf32>, tensor<1x8x16xf32>) -> (tensor<1x8x32xf32>, tensor<1x8x32xf32>)
  return
}
