func.func @linear_section_alone(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  %0 = hybrid.linear %x, %w {section_sizes = array<i64: 32, 32>} : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}
