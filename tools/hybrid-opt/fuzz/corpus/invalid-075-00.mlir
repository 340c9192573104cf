func.func @scan_skip(%u: tensor<1x8x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x8x16xf32>, %d: tensor<16xf32>, %h: tensor<1x64x16xf32>) {
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b skip(%d : tensor<16xf32>) state %h into %u : tensor<1x8x64xf32>, tensor<64x16xf32>, tensor<1x8x16xf32>, tensor<1x64x16xf32>
  return
}
