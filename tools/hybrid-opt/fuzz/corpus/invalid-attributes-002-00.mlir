module {
  func.func @f() attributes {hybrid.model = #hybrid.model<name = "m", model_type = "t", vocab_size = 1, hidden_size = 1, num_layers = 1, num_codebooks = 1, max_seq = 1>} {
    return
  }
}
