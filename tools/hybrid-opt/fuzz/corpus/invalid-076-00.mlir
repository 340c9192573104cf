func.func @scan_gate(%u: tensor<1x8x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x8x16xf32>, %z: tensor<1x4x64xf32>, %h: tensor<1x64x16xf32>) {
  %y, %h1 = hybrid.selective_scan %u, %u, %a, %b, %b gate(%z : tensor<1x4x64xf32>) state %h into %u : tensor<1x8x64xf32>, tensor<64x16xf32>, tensor<1x8x16xf32>, tensor<1x64x16xf32>
  return
}
