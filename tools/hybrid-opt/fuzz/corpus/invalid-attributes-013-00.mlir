func.func @parts_alone(%w: tensor<2xf32> {hybrid.weight = #hybrid.weight<name = "q", parts = ["q"]>}) {
  return
}
