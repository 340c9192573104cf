// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg="attention-kv-chunks=64" | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg | FileCheck %s --check-prefix=LANES

// Tests that a decode step's attention (one token) splits over the cache
// rows when the target asks for it: a 64-row cache in 4 chunks of 16 (at
// least 16 rows a chunk), a first scf.forall over (batch, token, head,
// chunk) whose lanes run the online softmax over their chunk's visible rows
// only (rows [16 s, min(16 s + 16, position + 1))) into (max, sum, acc)
// partials, then a scf.forall over (batch, token, head) that weighs each
// chunk by exp(max_s - max) and divides by the total sum, reading only the
// chunks up to the last visible row (min(4, ceil((position + 1) / 16))):
// the others are empty. Without the
// option: one lane a head over every visible row.
// CHECK-LABEL: func.func @decode_attention
// CHECK:       %[[PARTS:.+]]:3 = scf.forall (%{{.+}}, %{{.+}}, %{{.+}}, %[[S:.+]]) in (%{{.+}}, 1, 4, 4) shared_outs({{.*}}) -> (tensor<?x1x4x4xf32>, tensor<?x1x4x4xf32>, tensor<?x1x4x4x8xf32>)
// CHECK:         %[[FROM:.+]] = arith.muli %[[S]], %c16
// CHECK:         %[[TO:.+]] = arith.minui
// CHECK:         scf.for %{{.+}} = %[[FROM]] to %[[TO]]
// CHECK:           math.exp
// CHECK:       scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}}, 1, 4) shared_outs
// CHECK:         %[[CEIL:.+]] = arith.ceildivui %{{.+}}, %c16
// CHECK:         %[[USED:.+]] = arith.minui %[[CEIL]], %c4
// CHECK:         scf.for %{{.+}} = %c0 to %[[USED]]
// CHECK:           arith.maximumf
// CHECK:         scf.for %{{.+}} = %c0 to %[[USED]]
// CHECK:           math.exp
// CHECK:         arith.divf
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
