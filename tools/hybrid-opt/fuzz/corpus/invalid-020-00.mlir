func.func @linear_section_count(%x: tensor<1x8x32xf32>, %w: tensor<64x32xf32>) {
  %0 = hybrid.linear %x, %w {section_sizes = array<i64: 32, 32>, section_scales = array<f64: 1.0, 2.0, 3.0>} : tensor<1x8x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return
}
