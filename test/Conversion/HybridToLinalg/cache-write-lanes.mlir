// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg="cache-write-lanes=true" | FileCheck %s
// RUN: hybrid-opt %s -split-input-file --hybrid-convert-to-linalg | FileCheck %s --check-prefix=COPIES

// Tests that with the option the step's keys and values go into their
// caches in one scf.forall over (batch, token, kv head, head dim) with both
// caches as shared outputs, each lane writing its element of both at row
// position + token; the key is rotated in that lane (RoPE folded into the
// attention: cos and sin there, no loop of its own for the key), while the
// query still gets its own rotation. Without the option: the key rotated
// apart, then a loop over the batch copying rows into each cache.
// CHECK-LABEL: func.func @rotated_keys_into_caches
// CHECK:       linalg.generic
// CHECK:         math.cos
// CHECK:       %[[W:.+]]:2 = scf.forall (%[[B:.+]], %[[T:.+]], %[[H:.+]], %[[D:.+]]) in (%{{.+}}, 1, 2, 8) shared_outs(%[[KC:.+]] = %arg4, %[[VC:.+]] = %arg5)
// CHECK:         %[[P:.+]] = tensor.extract %arg3[%[[B]]]
// CHECK:         math.cos
// CHECK:         math.sin
// CHECK:         scf.forall.in_parallel
// CHECK-NEXT:      tensor.parallel_insert_slice %{{.+}} into %[[KC]][%[[B]], %{{.+}}, %[[H]], %[[D]]] [1, 1, 1, 1]
// CHECK-NEXT:      tensor.parallel_insert_slice %{{.+}} into %[[VC]][%[[B]], %{{.+}}, %[[H]], %[[D]]] [1, 1, 1, 1]
// CHECK-NOT:   tensor.insert_slice
// CHECK:       return %{{.+}}, %[[W]]#0, %[[W]]#1
// COPIES-LABEL: func.func @rotated_keys_into_caches
// COPIES-COUNT-2: math.cos
// COPIES:       scf.for
// COPIES:         tensor.insert_slice
// COPIES:       scf.for
// COPIES:         tensor.insert_slice
func.func @rotated_keys_into_caches(%q: tensor<?x1x4x8xf32>, %k: tensor<?x1x2x8xf32>, %v: tensor<?x1x2x8xf32>,
                                    %p: tensor<?xi64>, %kc: tensor<?x64x2x8xf32>, %vc: tensor<?x64x2x8xf32>)
    -> (tensor<?x1x4x8xf32>, tensor<?x64x2x8xf32>, tensor<?x64x2x8xf32>) {
  %o, %k1, %v1 = hybrid.attention %q, %k, %v at %p cache(%kc, %vc) into %q scale 0.35 {rope_theta = 10000.0 : f64, rotary_dim = 8 : i64}
      : tensor<?x1x4x8xf32>, tensor<?x1x2x8xf32>, tensor<?xi64>, tensor<?x64x2x8xf32>
  return %o, %k1, %v1 : tensor<?x1x4x8xf32>, tensor<?x64x2x8xf32>, tensor<?x64x2x8xf32>
}
