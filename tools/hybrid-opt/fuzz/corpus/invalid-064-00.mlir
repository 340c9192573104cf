func.func @attention_rope_theta_positive(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %p: tensor<1xi64>, %c: tensor<1x64x2x16xf32>) {
  %o, %kc, %vc = hybrid.attention %q, %k, %k at %p cache(%c, %c) into %q scale 0.25 {rotary_dim = 8 : i64, rope_theta = -1.0 : f64} : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1xi64>, tensor<1x64x2x16xf32>
  return
}
