func.func @unknown() attributes {hybrid.kernel = "linear"} {
  return
}
