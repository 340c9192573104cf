func.func @scale_types(%x: tensor<4xf32>) {
  %0 = "hybrid.scale"(%x) <{factor = 2.0 : f64}> : (tensor<4xf32>) -> tensor<8xf32>
  return
}
