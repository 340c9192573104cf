func.func @state_on_op() attributes {hybrid.state = #hybrid.state<name = "s", layer = 0, kind = ssm_state, scope = sequence>} {
  return
}
