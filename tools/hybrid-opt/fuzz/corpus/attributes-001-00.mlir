module attributes {hybrid.model = #hybrid.model<name = "z", model_type = "zonos", vocab_size = 1026, hidden_size = 4, num_layers = 1, num_codebooks = 9, max_seq = 16, frame_rate = 86.1328125 : f64>} {
  func.func @prefill_embeds(%h: tensor<?x?x4xf32> {hybrid.role = #hybrid.role<embeds>}) {
    return
  }
}
