func.func @parts(%w: tensor<2xf32> {hybrid.weight = #hybrid.weight<name = "q+k", parts = ["q", "k"], part_rows = [2]>}) {
  return
}
