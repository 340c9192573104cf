func.func @section_size() {
  %0 = tensor.empty() {hybrid.gemm = #hybrid.gemm<section_sizes = [0, 4], section_scales = [1.0, 1.0]>} : tensor<4xf32>
  return
}
