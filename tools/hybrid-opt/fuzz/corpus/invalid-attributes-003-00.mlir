func.func @string_state(%s: tensor<2xf32> {hybrid.state = "layers.0.ssm_state"}) {
  return
}
