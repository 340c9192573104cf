func.func @moe_router(%x: tensor<1x8x32xf32>, %r: tensor<4x16xf32>, %u: tensor<4x64x32xf32>, %d: tensor<4x32x64xf32>) {
  %0 = hybrid.moe %x router %r up %u down %d top_k 2 activation silu : tensor<1x8x32xf32>, tensor<4x16xf32>, tensor<4x64x32xf32>, tensor<4x32x64xf32>
  return
}
