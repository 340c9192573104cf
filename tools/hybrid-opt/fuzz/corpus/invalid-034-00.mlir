func.func @rms_norm_rank(%x: tensor<f32>) {
  %0 = hybrid.rms_norm %x eps 1.0e-5 : tensor<f32>
  return
}
