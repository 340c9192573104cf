func.func @negative_layer(%s: tensor<2xf32> {hybrid.state = #hybrid.state<name = "s", layer = -1, kind = ssm_state, scope = sequence>}) {
  return
}
