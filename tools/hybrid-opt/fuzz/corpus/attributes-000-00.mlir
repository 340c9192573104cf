module attributes {hybrid.manifest = "{}", hybrid.model = #hybrid.model<name = "m", model_type = "llama", vocab_size = 8, hidden_size = 4, num_layers = 1, num_codebooks = 1, max_seq = 16, config_hash = "fnv1a64:00">} {
  func.func @decode(%e: tensor<8x4xf32> {hybrid.weight = #hybrid.weight<name = "embed", access = gather>},
                    %qk: tensor<12x4xf32> {hybrid.weight = #hybrid.weight<name = "q+k", parts = ["q", "k"], part_rows = [8, 4]>},
                    %t: tensor<?x1xi64> {hybrid.role = #hybrid.role<tokens>},
                    %k: tensor<?x16x4xf32> {hybrid.state = #hybrid.state<name = "layers.0.k_cache", layer = 0, kind = k_cache, scope = frame>})
      -> (tensor<?x1x8xf32> {hybrid.role = #hybrid.role<logits>}, tensor<?x16x4xf32> {hybrid.state = #hybrid.state<name = "layers.0.k_cache", layer = 0, kind = k_cache, scope = frame>}) {
    %c0 = arith.constant 0 : index
    %b = tensor.dim %t, %c0 : tensor<?x1xi64>
    %z = arith.constant 0.0 : f32
    %l = tensor.empty(%b) : tensor<?x1x8xf32>
    %f = linalg.fill {hybrid.gemm = #hybrid.gemm<output_scale = 0.5 : f64, section_sizes = [4, 4], section_scales = [1.0, 2.0]>} ins(%z : f32) outs(%l : tensor<?x1x8xf32>) -> tensor<?x1x8xf32> loc(fused<#hybrid.site<layer = 0, part = "attn.q_proj">>["layers.0.attn.q_proj"("config.json":1:1)])
    return %f, %k : tensor<?x1x8xf32>, tensor<?x16x4xf32>
  }
}
