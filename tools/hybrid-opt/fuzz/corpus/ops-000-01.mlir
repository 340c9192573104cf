func.func @projections(%table: tensor<128x32xf32>, %ids: tensor<1x?xi64>,
                       %w: tensor<96x32xbf16>, %b: tensor<96xf32>) -> tensor<1x?x32xf32> {
  %h = hybrid.embedding %table[%ids] : tensor<128x32xf32>, tensor<1x?xi64> -> tensor<1x?x32xf32>
  %hs = hybrid.embedding %table[%ids] {output_scale = 1.75 : f64} : tensor<128x32xf32>, tensor<1x?xi64> -> tensor<1x?x32xf32>
  %p = hybrid.linear %h, %w : tensor<1x?x32xf32>, tensor<96x32xbf16> -> tensor<1x?x96xf32>
  %pb = hybrid.linear %h, %w bias(%b : tensor<96xf32>) : tensor<1x?x32xf32>, tensor<96x32xbf16> -> tensor<1x?x96xf32>
  %ps = hybrid.linear %h, %w {section_sizes = array<i64: 64, 32>, section_scales = array<f64: 1.0, 0.5>} : tensor<1x?x32xf32>, tensor<96x32xbf16> -> tensor<1x?x96xf32>
  %a, %c = hybrid.split %pb [32, 64] : tensor<1x?x96xf32> -> tensor<1x?x32xf32>, tensor<1x?x64xf32>
  return %a : tensor<1x?x32xf32>
}
