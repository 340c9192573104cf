// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg=head-block-rows=512 | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg | FileCheck %s --check-prefix=ONE

// Tests that a linear becomes one GEMM-shaped generic with the reduction dim
// innermost and contiguous in both operands (weight [N, K]), tagged for the
// target's micro-kernel, accumulating onto the broadcast bias.
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @linear
// CHECK: %[[BIAS:.+]] = linalg.generic
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x?x64xf32>, tensor<32x64xbf16>) outs(%[[BIAS]] : tensor<1x?x32xf32>)
// CHECK-SAME: hybrid.gemm = #hybrid.gemm<
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
// CHECK: arith.addf {{.*}} fastmath<reassoc,contract>
// CHECK-NOT: hybrid.
func.func @linear(%x: tensor<1x?x64xf32>, %w: tensor<32x64xbf16>, %b: tensor<32xf32>) -> tensor<1x?x32xf32> {
  %y = hybrid.linear %x, %w bias(%b : tensor<32xf32>) : tensor<1x?x64xf32>, tensor<32x64xbf16> -> tensor<1x?x32xf32>
  return %y : tensor<1x?x32xf32>
}

// -----

// Tests that a split becomes slices of the last dim at running offsets.
// CHECK-LABEL: func.func @split
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [1, %{{.*}}, 8] [1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 8] [1, %{{.*}}, 24] [1, 1, 1]
func.func @split(%x: tensor<1x?x32xf32>) -> (tensor<1x?x8xf32>, tensor<1x?x24xf32>) {
  %a, %b = hybrid.split %x [8, 24] : tensor<1x?x32xf32> -> tensor<1x?x8xf32>, tensor<1x?x24xf32>
  return %a, %b : tensor<1x?x8xf32>, tensor<1x?x24xf32>
}

// -----

// Tests that an embedding's output_scale multiplies each gathered element.
// CHECK-LABEL: func.func @scaled_embedding
// CHECK: %[[S:.+]] = arith.constant 1.750000e+00 : f32
// CHECK: linalg.generic
// CHECK: tensor.extract
// CHECK: arith.mulf %{{.+}}, %[[S]] : f32
func.func @scaled_embedding(%t: tensor<16x8xf32>, %ids: tensor<2x3xi64>) -> tensor<2x3x8xf32> {
  %h = hybrid.embedding %t[%ids] {output_scale = 1.75 : f64} : tensor<16x8xf32>, tensor<2x3xi64> -> tensor<2x3x8xf32>
  return %h : tensor<2x3x8xf32>
}

// -----

// Tests that an embedding gathers rows by id inside a generic and widens them.
// CHECK-LABEL: func.func @embedding
// CHECK: linalg.generic
// CHECK: arith.index_cast %{{.*}} : i64 to index
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<16x8xbf16>
// CHECK: arith.extf
func.func @embedding(%t: tensor<16x8xbf16>, %ids: tensor<2x3xi64>) -> tensor<2x3x8xf32> {
  %e = hybrid.embedding %t[%ids] : tensor<16x8xbf16>, tensor<2x3xi64> -> tensor<2x3x8xf32>
  return %e : tensor<2x3x8xf32>
}

// -----

// Tests that argmax keeps the first maximum (strict greater) and returns the
// index, as torch.argmax.
// CHECK-LABEL: func.func @argmax
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.cmpf ogt
// CHECK: linalg.index 1
func.func @argmax(%l: tensor<2x10xf32>) -> tensor<2xi64> {
  %t = hybrid.argmax %l : tensor<2x10xf32> -> tensor<2xi64>
  return %t : tensor<2xi64>
}

// -----

// Tests that the greedy head is computed in blocks of head-block-rows
// vocabulary rows (2053 is prime: four 512-row blocks in parallel and a
// 5-row tail), each block's
// logits reduced to one candidate (value, index + block offset) per token
// where they are computed, and the candidates reduced in block order.
// CHECK-LABEL: func.func @linear_argmax
// CHECK: %[[C:.+]]:2 = scf.forall (%[[B:.+]]) in (4) shared_outs({{.*}}) -> (tensor<?x1x5xf32>, tensor<?x1x5xi64>)
// CHECK: %[[FIRST:.+]] = arith.muli %[[B]], %{{.+}} : index
// CHECK: tensor.extract_slice %{{.+}}[%[[FIRST]], 0] [512, 16] [1, 1] : tensor<2053x16xbf16> to tensor<512x16xbf16>
// CHECK: linalg.generic {{.*}}outs(%{{.+}} : tensor<?x1x512xf32>) attrs = {hybrid.gemm = #hybrid.gemm<output_scale = 5.000000e-01 : f64>}
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}}ins(%{{.+}} : tensor<?x1x512xf32>)
// CHECK: arith.cmpf ogt
// CHECK: %[[I:.+]] = linalg.index 2
// CHECK: arith.addi %[[I]], %[[FIRST]]
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %{{.+}} into %{{.+}}[0, 0, %[[B]]] [%{{.+}}, 1, 1]
// CHECK: tensor.extract_slice %{{.+}}[%{{.+}}, 0] [5, 16] [1, 1] : tensor<2053x16xbf16> to tensor<5x16xbf16>
// CHECK: tensor.insert_slice %{{.+}} into %[[C]]#0[0, 0, 4]
// CHECK: %[[R:.+]]:2 = linalg.generic {{.*}}ins(%{{.+}}, %{{.+}} : tensor<?x1x5xf32>, tensor<?x1x5xi64>)
// CHECK: arith.cmpf ogt
// CHECK: return %[[R]]#1
// CHECK-NOT: tensor<?x1x2053xf32>
// Without head-block-rows, the whole vocabulary is one block.
// ONE-LABEL: func.func @linear_argmax
// ONE: scf.forall (%{{.+}}) in (1) shared_outs({{.*}}) -> (tensor<?x1x1xf32>, tensor<?x1x1xi64>)
// ONE: tensor.extract_slice %{{.+}}[%{{.+}}, 0] [2053, 16] [1, 1] : tensor<2053x16xbf16> to tensor<2053x16xbf16>
// ONE-NOT: tensor.insert_slice
// ONE: return
func.func @linear_argmax(%h: tensor<?x1x16xf32>, %w: tensor<2053x16xbf16>) -> tensor<?x1xi64> {
  %t = hybrid.linear_argmax %h, %w {output_scale = 0.5 : f64} : tensor<?x1x16xf32>, tensor<2053x16xbf16> -> tensor<?x1xi64>
  return %t : tensor<?x1xi64>
}

// -----

// Tests that a MoE over named per-expert weights uses each expert's weight
// directly (no stacked copy), and gates every expert.
// CHECK-LABEL: func.func @moe
// CHECK-NOT: tensor.concat
// CHECK: hybrid.weight "e.0.up"
// CHECK: hybrid.weight "e.0.down"
// CHECK: hybrid.weight "e.1.up"
// CHECK: hybrid.weight "e.1.down"
// CHECK-NOT: hybrid.moe
func.func @moe(%x: tensor<1x?x8xf32>, %r: tensor<2x8xf32>) -> tensor<1x?x8xf32> {
  %up = hybrid.stacked_weight ["e.0.up", "e.1.up"] : tensor<2x16x8xf32>
  %down = hybrid.stacked_weight ["e.0.down", "e.1.down"] : tensor<2x8x16xf32>
  %y = hybrid.moe %x router %r up %up down %down top_k 1 activation relu2
      : tensor<1x?x8xf32>, tensor<2x8xf32>, tensor<2x16x8xf32>, tensor<2x8x16xf32>
  return %y : tensor<1x?x8xf32>
}

// -----

// Tests that the weights themselves are left for hybrid-bind-weights.
// CHECK-LABEL: func.func @weights_stay
// CHECK: hybrid.weight "w"
func.func @weights_stay() -> tensor<4xf32> {
  %w = hybrid.weight "w" : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

// Tests that a gated MLP lowers to ONE GEMM over both the gate and the up
// weights (two reductions, x read once), its silu·mul epilogue, and the down
// projection.
// CHECK-LABEL: func.func @gated_mlp
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x8xf32>, %[[G:.+]]: tensor<16x8xf32>, %[[U:.+]]: tensor<16x8xf32>, %[[D:.+]]: tensor<8x16xf32>)
// CHECK: %[[GU:.+]]:2 = linalg.generic {{.*}} ins(%[[X]], %[[G]], %[[U]] : {{.*}}) outs(%{{.*}}, %{{.*}} : {{.*}}) attrs = {hybrid.gemm = #hybrid.gemm<>}
// CHECK: %[[H:.+]] = linalg.generic {{.*}} ins(%[[GU]]#0, %[[GU]]#1 : {{.*}})
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} ins(%[[H]], %[[D]] : {{.*}}) {{.*}}hybrid.gemm = #hybrid.gemm<
func.func @gated_mlp(%x: tensor<1x?x8xf32>, %g: tensor<16x8xf32>, %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> tensor<1x?x8xf32> {
  %y = hybrid.gated_mlp %x, %g, %u, %d activation silu
      : tensor<1x?x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}

// -----

// Tests that a gated MLP's multipliers are applied in the epilogues: the gate
// scaled before the activation, the down projection's output_scale.
// CHECK-LABEL: func.func @gated_mlp_multipliers
// CHECK: %[[GU:.+]]:2 = linalg.generic {{.*}}attrs = {hybrid.gemm = #hybrid.gemm<>}
// CHECK: linalg.generic {{.*}} ins(%[[GU]]#0, %[[GU]]#1 : {{.*}})
// CHECK-NEXT: ^bb0(%[[G:.+]]: f32, %[[U:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[GS:.+]] = arith.mulf %[[G]], %{{.+}} : f32
// CHECK: math.exp
// CHECK: linalg.generic {{.*}}hybrid.gemm = #hybrid.gemm<output_scale = 1.250000e+00 : f64>
func.func @gated_mlp_multipliers(%x: tensor<1x?x8xf32>, %g: tensor<16x8xf32>, %u: tensor<16x8xf32>, %d: tensor<8x16xf32>) -> tensor<1x?x8xf32> {
  %y = hybrid.gated_mlp %x, %g, %u, %d activation silu {gate_scale = 0.75 : f64, output_scale = 1.25 : f64}
      : tensor<1x?x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<8x16xf32> -> tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}

// -----

// Tests that section scales multiply each product by its output feature's
// section (selects over linalg.index of the feature dim, times
// output_scale), the bias likewise, and are recorded for the micro-kernel.
// CHECK-LABEL: func.func @sectioned_linear
// CHECK: linalg.generic
// CHECK: %[[N0:.+]] = linalg.index 2 : index
// CHECK: %[[IN0:.+]] = arith.cmpi ult, %[[N0]], %c2 : index
// CHECK: arith.select %[[IN0]], %cst{{.*}}, %cst{{.*}} : f32
// CHECK: linalg.generic {{.*}}hybrid.gemm = #hybrid.gemm<output_scale = 2.000000e+00 : f64, section_sizes = [2, 2], section_scales = [1.000000e+00, 5.000000e-01]>
// CHECK: %[[N:.+]] = linalg.index 2 : index
// CHECK: %[[IN:.+]] = arith.cmpi ult, %[[N]], %c2 : index
// CHECK: %[[S:.+]] = arith.select %[[IN]], %{{.+}}, %{{.+}} : f32
// CHECK: arith.mulf %{{.+}}, %[[S]] fastmath<reassoc,contract>
func.func @sectioned_linear(%x: tensor<1x?x8xf32>, %w: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<1x?x4xf32> {
  %y = hybrid.linear %x, %w bias(%b : tensor<4xf32>) {output_scale = 2.0 : f64, section_sizes = array<i64: 2, 2>, section_scales = array<f64: 1.0, 0.5>}
      : tensor<1x?x8xf32>, tensor<4x8xf32> -> tensor<1x?x4xf32>
  return %y : tensor<1x?x4xf32>
}

// -----

// Tests that a linear's output_scale multiplies the bias of the accumulator
// and every product, and is recorded for the micro-kernel.
// CHECK-LABEL: func.func @scaled_linear
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic {{.*}}hybrid.gemm = #hybrid.gemm<output_scale = 5.000000e-01 : f64>
// CHECK: arith.mulf
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
func.func @scaled_linear(%x: tensor<1x?x8xf32>, %w: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<1x?x4xf32> {
  %y = hybrid.linear %x, %w bias(%b : tensor<4xf32>) {output_scale = 0.5 : f64} : tensor<1x?x8xf32>, tensor<4x8xf32> -> tensor<1x?x4xf32>
  return %y : tensor<1x?x4xf32>
}
