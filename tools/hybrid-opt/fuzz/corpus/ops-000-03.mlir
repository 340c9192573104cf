func.func @norms(%x: tensor<1x?x32xf32>, %r: tensor<1x?x32xf32>, %z: tensor<1x?x32xf32>,
                 %w: tensor<32xf32>, %b: tensor<32xf32>, %hw: tensor<4x8xf32>,
                 %xh: tensor<1x?x4x8xf32>) -> tensor<1x?x32xf32> {
  %0 = hybrid.rms_norm %x weight(%w : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  %1 = hybrid.rms_norm %0 eps 1.0e-06 : tensor<1x?x32xf32>
  %h = hybrid.rms_norm %xh weight(%hw : tensor<4x8xf32>) eps 1.0e-05 : tensor<1x?x4x8xf32>
  %hb = hybrid.rms_norm %x weight(%w : tensor<32xf32>) bias(%b : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  %2 = hybrid.layer_norm %1 weight(%w : tensor<32xf32>) bias(%b : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  %3 = hybrid.layer_norm %2 eps 1.0e-05 : tensor<1x?x32xf32>
  %4, %sum = hybrid.add_rms_norm %3, %r weight(%w : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  %ln, %lsum = hybrid.add_layer_norm %3, %r weight(%w : tensor<32xf32>) bias(%b : tensor<32xf32>) eps 1.0e-05 : tensor<1x?x32xf32>
  %5 = hybrid.gated_rms_norm %4, %z weight %w eps 1.0e-05 group_size 16 : tensor<1x?x32xf32>, tensor<32xf32>
  %6 = hybrid.gated_rms_norm %5, %sum weight %w eps 1.0e-05 group_size 32 {norm_before_gate} : tensor<1x?x32xf32>, tensor<32xf32>
  return %6 : tensor<1x?x32xf32>
}
