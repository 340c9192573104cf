func.func @mamba1(%x: tensor<1x?x64xf32>, %w: tensor<64x4xf32>, %b: tensor<64xf32>,
                  %cs: tensor<1x64x3xf32>, %dt: tensor<1x?x64xf32>, %a: tensor<64x8xf32>,
                  %bm: tensor<1x?x8xf32>, %cm: tensor<1x?x8xf32>, %d: tensor<64xf32>,
                  %h: tensor<1x64x8xf32>) -> (tensor<1x?x64xf32>, tensor<1x64x3xf32>, tensor<1x64x8xf32>) {
  %u, %cs1 = hybrid.causal_conv1d %x, %w bias(%b : tensor<64xf32>) state %cs into %x activation silu
      : tensor<1x?x64xf32>, tensor<64x4xf32>, tensor<1x64x3xf32>
  %u2, %cs2 = hybrid.causal_conv1d %u, %w state %cs1 into %x
      : tensor<1x?x64xf32>, tensor<64x4xf32>, tensor<1x64x3xf32>
  %y, %h1 = hybrid.selective_scan %u2, %dt, %a, %bm, %cm skip(%d : tensor<64xf32>) gate(%x : tensor<1x?x64xf32>)
      delta_bias(%b : tensor<64xf32>) state %h into %x {delta_softplus}
      : tensor<1x?x64xf32>, tensor<64x8xf32>, tensor<1x?x8xf32>, tensor<1x64x8xf32>
  %y2, %h2 = hybrid.selective_scan %y, %dt, %a, %bm, %cm state %h1 into %x
      : tensor<1x?x64xf32>, tensor<64x8xf32>, tensor<1x?x8xf32>, tensor<1x64x8xf32>
  return %y2, %cs2, %h2 : tensor<1x?x64xf32>, tensor<1x64x3xf32>, tensor<1x64x8xf32>
}
