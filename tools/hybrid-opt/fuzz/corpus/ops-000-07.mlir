func.func @feed_forward(%x: tensor<1x?x32xf32>, %g: tensor<64x32xf32>, %u: tensor<64x32xf32>,
                        %d: tensor<32x64xf32>, %r: tensor<4x32xf32>, %eg: tensor<4x64x32xf32>,
                        %eu: tensor<4x64x32xf32>, %ed: tensor<4x32x64xf32>, %sb: tensor<4xf32>) -> tensor<1x?x32xf32> {
  %0 = hybrid.gated_mlp %x, %g, %u, %d activation silu
      : tensor<1x?x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %g2 = hybrid.gated_mlp %x, %g, %u, %d activation silu {gate_scale = 0.75 : f64, output_scale = 1.25 : f64}
      : tensor<1x?x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %1 = hybrid.moe %0 router %r gate(%eg : tensor<4x64x32xf32>) up %eu down %ed top_k 2 activation silu {normalize_top_k}
      : tensor<1x?x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  %2 = hybrid.moe %1 router %r up %eu down %ed top_k 1 activation relu2
      : tensor<1x?x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  %3 = hybrid.moe %2 router %r up %eu down %ed top_k 2 activation relu2 scoring sigmoid selection_bias(%sb : tensor<4xf32>) {normalize_top_k, routed_scale = 2.5 : f64}
      : tensor<1x?x32xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  return %3 : tensor<1x?x32xf32>
}
