func.func @swapped(%s: tensor<2xf32> {hybrid.role = #hybrid.state<name = "s", layer = 0, kind = ssm_state, scope = sequence>}) {
  return
}
