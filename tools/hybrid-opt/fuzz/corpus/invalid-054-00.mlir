func.func @attention_key(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x8xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x8xf32>) {
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 : tensor<1x8x4x16xf32>, tensor<1x8x2x8xf32>, tensor<1xi64>, tensor<1x64x2x8xf32>
  return
}
