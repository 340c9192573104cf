func.func @attention_init(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>, %i: tensor<1x8x4x8xf32>) {
  %o, %kc, %vc = "hybrid.attention"(%q, %k, %k, %p, %i, %c, %c) <{scale = 0.25 : f64}> : (tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x8x4x8xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>)
  return
}
