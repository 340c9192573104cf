func.func @gemm_type() {
  %0 = tensor.empty() {hybrid.gemm = "linear"} : tensor<2xf32>
  return
}
