func.func @dead_weight() {
  %0 = hybrid.weight "unused" : tensor<4xf32>
  return
}
