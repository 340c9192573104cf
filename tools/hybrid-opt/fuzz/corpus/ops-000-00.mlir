func.func @weights() -> (tensor<64x32xbf16>, tensor<2x16x32xf32>) {
  %w = hybrid.weight "model.layers.0.self_attn.q_proj.weight" : tensor<64x32xbf16>
  %s = hybrid.stacked_weight ["e.0.up.weight", "e.1.up.weight"] : tensor<2x16x32xf32>
  %p = hybrid.packed_weight ["q.weight", "k.weight"] rows [32, 16] : tensor<48x32xf32>
  return %w, %s : tensor<64x32xbf16>, tensor<2x16x32xf32>
}
