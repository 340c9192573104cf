func.func @attention(%q: tensor<2x?x4x16xf32>, %k: tensor<2x?x2x16xf32>, %v: tensor<2x?x2x16xf32>,
                     %pos: tensor<2xi64>, %kc: tensor<2x64x2x16xf32>, %vc: tensor<2x64x2x16xf32>)
    -> (tensor<2x?x4x16xf32>, tensor<2x64x2x16xf32>, tensor<2x64x2x16xf32>) {
  %qr = hybrid.rope %q at %pos theta 1.0e+04 rotary_dim 16 : tensor<2x?x4x16xf32>, tensor<2xi64>
  %kr = hybrid.rope %k at %pos theta 5.0e+05 rotary_dim 8 {interleaved} : tensor<2x?x2x16xf32>, tensor<2xi64>
  %o, %kc1, %vc1 = hybrid.attention %qr, %kr, %v at %pos cache(%kc, %vc) into %q scale 0.25
      : tensor<2x?x4x16xf32>, tensor<2x?x2x16xf32>, tensor<2xi64>, tensor<2x64x2x16xf32>
  %o2, %kc2, %vc2 = hybrid.attention %o, %kr, %v at %pos cache(%kc1, %vc1) into %q scale 0.25 window 8 sink 2
      : tensor<2x?x4x16xf32>, tensor<2x?x2x16xf32>, tensor<2xi64>, tensor<2x64x2x16xf32>
  %o3, %kc3, %vc3 = hybrid.attention %q, %k, %v at %pos cache(%kc2, %vc2) into %q scale 0.25 {rotary_dim = 8 : i64, rope_theta = 1.0e4 : f64}
      : tensor<2x?x4x16xf32>, tensor<2x?x2x16xf32>, tensor<2xi64>, tensor<2x64x2x16xf32>
  return %o2, %kc3, %vc3 : tensor<2x?x4x16xf32>, tensor<2x64x2x16xf32>, tensor<2x64x2x16xf32>
}
