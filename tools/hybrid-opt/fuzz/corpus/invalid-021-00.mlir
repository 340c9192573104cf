func.func @linear_section_positive(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  %0 = hybrid.linear %x, %w {section_sizes = array<i64: 64, 0>, section_scales = array<f64: 1.0, 2.0>} : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}
