func.func @sections() {
  %0 = tensor.empty() {hybrid.gemm = #hybrid.gemm<section_sizes = [2, 2], section_scales = [1.0]>} : tensor<4xf32>
  return
}
