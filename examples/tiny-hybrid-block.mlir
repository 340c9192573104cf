// A pre-norm Mamba-2 block followed by a gated MLP, as the hybridc frontend
// emits it, with explicit state in and out. `scripts/run.sh` runs hybrid-opt
// over it until `hybridc` can compile a bundled model end to end.
func.func @mamba2_block(%x: tensor<1x?x64xf32>, %res: tensor<1x?x64xf32>,
                        %conv_state: tensor<1x160x3xf32>,
                        %ssm_state: tensor<1x8x16x16xf32>)
    -> (tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<1x160x3xf32>, tensor<1x8x16x16xf32>) {
  %norm_w = hybrid.weight "layers.0.norm.weight" : tensor<64xf32>
  %h, %sum = hybrid.add_rms_norm %x, %res weight(%norm_w : tensor<64xf32>) eps 1.0e-05 : tensor<1x?x64xf32>
  %in_w = hybrid.weight "layers.0.mixer.in_proj.weight" : tensor<296x64xf32>
  %p = hybrid.linear %h, %in_w : tensor<1x?x64xf32>, tensor<296x64xf32> -> tensor<1x?x296xf32>
  %z, %xbc, %dt = hybrid.split %p [128, 160, 8]
      : tensor<1x?x296xf32> -> tensor<1x?x128xf32>, tensor<1x?x160xf32>, tensor<1x?x8xf32>
  %conv_w = hybrid.weight "layers.0.mixer.conv1d.weight" : tensor<160x4xf32>
  %conv_b = hybrid.weight "layers.0.mixer.conv1d.bias" : tensor<160xf32>
  %u, %conv_state1 = hybrid.causal_conv1d %xbc, %conv_w bias(%conv_b : tensor<160xf32>)
      state %conv_state into %xbc activation silu
      : tensor<1x?x160xf32>, tensor<160x4xf32>, tensor<1x160x3xf32>
  %xs, %bs, %cs = hybrid.split %u [128, 16, 16]
      : tensor<1x?x160xf32> -> tensor<1x?x128xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
  %c1 = arith.constant 1 : index
  %t = tensor.dim %x, %c1 : tensor<1x?x64xf32>
  %xh = tensor.expand_shape %xs [[0], [1], [2, 3]] output_shape [1, %t, 8, 16]
      : tensor<1x?x128xf32> into tensor<1x?x8x16xf32>
  %bh = tensor.expand_shape %bs [[0], [1], [2, 3]] output_shape [1, %t, 1, 16]
      : tensor<1x?x16xf32> into tensor<1x?x1x16xf32>
  %ch = tensor.expand_shape %cs [[0], [1], [2, 3]] output_shape [1, %t, 1, 16]
      : tensor<1x?x16xf32> into tensor<1x?x1x16xf32>
  %a_log = hybrid.weight "layers.0.mixer.A_log" : tensor<8xf32>
  %a_exp = math.exp %a_log : tensor<8xf32>
  %a = arith.negf %a_exp : tensor<8xf32>
  %d = hybrid.weight "layers.0.mixer.D" : tensor<8xf32>
  %dt_bias = hybrid.weight "layers.0.mixer.dt_bias" : tensor<8xf32>
  %y, %ssm_state1 = hybrid.ssd_scan %xh, %dt, %a, %bh, %ch skip(%d : tensor<8xf32>)
      dt_bias(%dt_bias : tensor<8xf32>) state %ssm_state into %xh chunk_size 256 {dt_softplus}
      : tensor<1x?x8x16xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x1x16xf32>, tensor<1x8x16x16xf32>
  %yf = tensor.collapse_shape %y [[0], [1], [2, 3]] : tensor<1x?x8x16xf32> into tensor<1x?x128xf32>
  %gn_w = hybrid.weight "layers.0.mixer.norm.weight" : tensor<128xf32>
  %yn = hybrid.gated_rms_norm %yf, %z weight %gn_w eps 1.0e-05 group_size 128
      : tensor<1x?x128xf32>, tensor<128xf32>
  %out_w = hybrid.weight "layers.0.mixer.out_proj.weight" : tensor<64x128xf32>
  %o = hybrid.linear %yn, %out_w : tensor<1x?x128xf32>, tensor<64x128xf32> -> tensor<1x?x64xf32>
  %g = hybrid.weight "layers.0.mlp.gate_proj.weight" : tensor<256x64xf32>
  %up = hybrid.weight "layers.0.mlp.up_proj.weight" : tensor<256x64xf32>
  %dn = hybrid.weight "layers.0.mlp.down_proj.weight" : tensor<64x256xf32>
  %m = hybrid.gated_mlp %o, %g, %up, %dn activation silu
      : tensor<1x?x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64x256xf32> -> tensor<1x?x64xf32>
  return %m, %sum, %conv_state1, %ssm_state1
      : tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<1x160x3xf32>, tensor<1x8x16x16xf32>
}
