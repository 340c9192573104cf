// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg="decode-conv-lanes=true" | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg | FileCheck %s --check-prefix=APART

// Tests that with decode-conv-lanes a decode step's causal conv (one static
// token) is one scf.forall over (batch, channel) whose lane reads its state
// row from the shared state, sums bias then k = 0..3, applies the SiLU and
// writes its output element and its new row (old[1], old[2], x) back: no
// copy of the old state. Without the option: the copy, the window and the
// output apart.
// CHECK-LABEL: func.func @decode_conv
// CHECK-SAME:    %[[S:[^:]+]]: tensor<?x8x3xf32>
// CHECK-NOT:   linalg.copy
// CHECK:       %[[R:.+]]:2 = scf.forall (%[[B:.+]], %[[C:.+]]) in (%{{.+}}, 8) shared_outs(%{{.+}} = %{{.+}}, %[[SO:.+]] = %[[S]])
// CHECK:         %[[S0:.+]] = tensor.extract %[[SO]][%[[B]], %[[C]], %c0]
// CHECK:         %[[S1:.+]] = tensor.extract %[[SO]][%[[B]], %[[C]], %c1]
// CHECK:         %[[S2:.+]] = tensor.extract %[[SO]][%[[B]], %[[C]], %c2]
// CHECK:         %[[X:.+]] = tensor.extract %{{.+}}[%[[B]], %c0, %[[C]]]
// CHECK:         tensor.extract %{{.+}}[%[[C]]] : tensor<8xf32>
// CHECK-COUNT-4: arith.mulf
// CHECK:         math.exp
// CHECK:         tensor.from_elements %{{.+}} : tensor<1x1x1xf32>
// CHECK:         tensor.from_elements %[[S1]], %[[S2]], %[[X]] : tensor<1x1x3xf32>
// CHECK:         scf.forall.in_parallel
// CHECK:           tensor.parallel_insert_slice
// CHECK:           tensor.parallel_insert_slice %{{.+}} into %[[SO]][%[[B]], %[[C]], 0] [1, 1, 3]
// CHECK:       return %[[R]]#0, %[[R]]#1
// APART-LABEL: func.func @decode_conv
// APART:       linalg.copy
// APART-NOT:   scf.forall
func.func @decode_conv(%x: tensor<?x1x8xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>, %s: tensor<?x8x3xf32>)
    -> (tensor<?x1x8xf32>, tensor<?x8x3xf32>) {
  %y, %s1 = hybrid.causal_conv1d %x, %w bias(%b : tensor<8xf32>) state %s into %x activation silu
      : tensor<?x1x8xf32>, tensor<8x4xf32>, tensor<?x8x3xf32>
  return %y, %s1 : tensor<?x1x8xf32>, tensor<?x8x3xf32>
}

// -----

// Tests that a prefill (a dynamic token count) keeps the form apart.
// CHECK-LABEL: func.func @prefill_conv
// CHECK:       linalg.copy
// CHECK-NOT:   scf.forall
func.func @prefill_conv(%x: tensor<?x?x8xf32>, %w: tensor<8x4xf32>, %s: tensor<?x8x3xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x8x3xf32>) {
  %y, %s1 = hybrid.causal_conv1d %x, %w state %s into %x activation silu
      : tensor<?x?x8xf32>, tensor<8x4xf32>, tensor<?x8x3xf32>
  return %y, %s1 : tensor<?x?x8xf32>, tensor<?x8x3xf32>
}
