// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg="attention-kv-chunks=4" | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg | FileCheck %s --check-prefix=LANES

// Tests that a decode step's attention (one token) splits over the rows it
// sees when the target asks for it: 4 chunks of ceil(end / 4) rows, end =
// position + 1, whatever the cache's size, a first scf.forall over (batch,
// token, head, chunk) whose lanes run the online softmax over their
// chunk's rows only (rows [min(s c, end), min(s c + c, end))) into (max,
// sum, acc) partials, then a scf.forall over (batch, token, head, head
// dim) whose lanes weigh their element of each chunk by exp(max_s - max)
// and divide by the total sum, reading only the chunks that hold rows
// (min(4, ceil(end / c))): with end < 4 the others are empty. Without the
// option: one lane a head over every visible row.
// CHECK-LABEL: func.func @decode_attention
// CHECK:       %[[PARTS:.+]]:3 = scf.forall (%{{.+}}, %{{.+}}, %{{.+}}, %[[S:.+]]) in (%{{.+}}, 1, 4, 4) shared_outs({{.*}}) -> (tensor<?x1x4x4xf32>, tensor<?x1x4x4xf32>, tensor<?x1x4x4x8xf32>)
// CHECK:         %[[END:.+]] = arith.addi %{{.+}}, %c1
// CHECK:         %[[CHUNK:.+]] = arith.ceildivui %[[END]], %c4
// CHECK:         %[[START:.+]] = arith.muli %[[S]], %[[CHUNK]]
// CHECK:         %[[FROM:.+]] = arith.minui %[[START]], %[[END]]
// CHECK:         %[[NEXT:.+]] = arith.addi %[[FROM]], %[[CHUNK]]
// CHECK:         %[[TO:.+]] = arith.minui %[[NEXT]], %[[END]]
// CHECK:         scf.for %{{.+}} = %[[FROM]] to %[[TO]]
// CHECK:           math.exp
// CHECK:       scf.forall (%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}}, 1, 4, 8) shared_outs
// CHECK:         %[[CEND:.+]] = arith.addi %{{.+}}, %c1
// CHECK:         %[[CCHUNK:.+]] = arith.ceildivui %[[CEND]], %c4
// CHECK:         %[[CEIL:.+]] = arith.ceildivui %[[CEND]], %[[CCHUNK]]
// CHECK:         %[[USED:.+]] = arith.minui %[[CEIL]], %c4
// CHECK:         scf.for %{{.+}} = %c0 to %[[USED]]
// CHECK:           arith.maximumf
// CHECK:         scf.for %{{.+}} = %c0 to %[[USED]]
// CHECK:           math.exp
// CHECK:         arith.divf
// CHECK:         tensor.parallel_insert_slice %{{.+}} into %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}] [1, 1, 1, 1]
// LANES-LABEL: func.func @decode_attention
// LANES:       scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}}, 1, 4)
// LANES-NOT:   scf.forall (
func.func @decode_attention(%q: tensor<?x1x4x8xf32>, %k: tensor<?x1x2x8xf32>, %v: tensor<?x1x2x8xf32>,
                            %p: tensor<?xi64>, %kc: tensor<?x64x2x8xf32>, %vc: tensor<?x64x2x8xf32>)
    -> (tensor<?x1x4x8xf32>, tensor<?x64x2x8xf32>, tensor<?x64x2x8xf32>) {
  %o, %k1, %v1 = hybrid.attention %q, %k, %v at %p cache(%kc, %vc) into %q scale 0.35
      : tensor<?x1x4x8xf32>, tensor<?x1x2x8xf32>, tensor<?xi64>, tensor<?x64x2x8xf32>
  return %o, %k1, %v1 : tensor<?x1x4x8xf32>, tensor<?x64x2x8xf32>, tensor<?x64x2x8xf32>
}

// -----

// Tests that a prefill (a dynamic token count) and a sliding window keep
// the lane form even with the option.
// CHECK-LABEL: func.func @prefill_attention
// LANES-LABEL: func.func @prefill_attention
// CHECK:       scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}}, %{{.+}}, 4)
// CHECK-NOT:   scf.forall (
func.func @prefill_attention(%q: tensor<?x?x4x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>,
                             %p: tensor<?xi64>, %kc: tensor<?x64x2x8xf32>, %vc: tensor<?x64x2x8xf32>)
    -> tensor<?x?x4x8xf32> {
  %o, %k1, %v1 = hybrid.attention %q, %k, %v at %p cache(%kc, %vc) into %q scale 0.35
      : tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?xi64>, tensor<?x64x2x8xf32>
  return %o : tensor<?x?x4x8xf32>
}
