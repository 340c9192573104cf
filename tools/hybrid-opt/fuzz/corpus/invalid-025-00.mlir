func.func @split_positive(%x: tensor<1x8x32xf32>) {
  %a, %b = hybrid.split %x [0, 32] : tensor<1x8x32xf32> -> tensor<1x8x0xf32>, tensor<1x8x32xf32>
  return
}
