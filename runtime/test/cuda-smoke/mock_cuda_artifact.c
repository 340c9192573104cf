/*===- mock_cuda_artifact.c - A tiny hand-written CUDA artifact -----------===*
 *
 * What hybridc --target=cuda produces, by hand (docs/ABI.md, "CUDA
 * artifacts"): a manifest with target.kind "cuda", host entry points that
 * reach the GPU only through env->device_ops, and the kernels as PTX
 * (mock_cuda_kernels.h). Its cubin is deliberately not one, so that loading
 * it exercises the runtime's fallback to JIT-compiling the PTX.
 *
 * The model (vocab 64, hidden 32, max_seq 32): state "layers.0.h" f32 [32]
 * per sequence; for token x at position p, h = 0.5 * h + embed[x] + 0.001 *
 * p (kernel mock_step), then logits = h . lm_head^T with lm_head bf16 [64,
 * 32] (device_ops->gemm, f32 A converted to bf16 by the runtime), the
 * hidden rows in a temporary from device_ops->alloc.
 *
 * mock_cuda_env_errors counts calls whose hyb_env_t was not a CUDA one.
 *===----------------------------------------------------------------------===*/

#include <stdint.h>

#include "hybrid/abi.h"
#include "mock_cuda_kernels.h"

#define EXPORT __attribute__((visibility("default")))

enum { V = 64, H = 32, MAX_SEQ = 32 };

EXPORT int64_t mock_cuda_calls = 0;
EXPORT int64_t mock_cuda_env_errors = 0;

#define IO_ARGS(t)                                                            \
  "{\"role\":\"weight\",\"name\":\"model.embed_tokens.weight\"},"             \
  "{\"role\":\"weight\",\"name\":\"lm_head.weight\"},"                        \
  "{\"role\":\"tokens\",\"name\":\"tokens\",\"io\":\"in\",\"dtype\":\"i64\","   \
  "\"shape\":[\"B\"," t "]},"                                                \
  "{\"role\":\"position\",\"name\":\"position\",\"io\":\"in\",\"dtype\":\"i64\"," \
  "\"shape\":[\"B\"]},"                                                       \
  "{\"role\":\"state\",\"name\":\"layers.0.h\"},"                             \
  "{\"role\":\"logits\",\"name\":\"logits\",\"io\":\"out\",\"dtype\":\"f32\","  \
  "\"shape\":[\"B\"," t ",64]}"

static const char kManifest[] =
    "{\"format\":\"hybridc-artifact\",\"version\":2,"
    "\"model\":{\"name\":\"mock-cuda\",\"config_hash\":"
    "\"fnv1a64:000000000000c0da\",\"vocab_size\":64,\"hidden_size\":32,"
    "\"num_layers\":1},"
    "\"target\":{\"kind\":\"cuda\",\"arch\":\"sm_90a\",\"ptx_version\":70,"
    "\"kernels\":[\"mock_step\",\"mock_axpy\"]},"
    "\"max_seq\":32,"
    "\"weights\":["
    "{\"name\":\"model.embed_tokens.weight\",\"dtype\":\"f32\","
    "\"shape\":[64,32],\"access\":\"gather\"},"
    "{\"name\":\"lm_head.weight\",\"dtype\":\"bf16\",\"shape\":[64,32]}],"
    "\"state\":[{\"name\":\"layers.0.h\",\"layer\":0,\"kind\":\"ssm_state\","
    "\"scope\":\"sequence\",\"dtype\":\"f32\",\"shape\":[32]}],"
    "\"entry_points\":["
    "{\"name\":\"prefill\",\"symbol\":\"mock_cuda_prefill\",\"advance\":\"T\","
    "\"args\":[" IO_ARGS("\"T\"") "]},"
    "{\"name\":\"decode\",\"symbol\":\"mock_cuda_decode\",\"advance\":1,"
    "\"args\":[" IO_ARGS("1") "]}]}";

EXPORT const char *hybrid_artifact_manifest(void) { return kManifest; }

/* Not a cubin: cuModuleLoadData refuses it and the runtime JIT-compiles the
 * PTX instead. */
static const char kNotACubin[] = "not a cubin";
EXPORT const void *hybrid_cuda_cubin(uint64_t *size) {
  *size = sizeof kNotACubin;
  return kNotACubin;
}
EXPORT const char *hybrid_cuda_ptx(void) { return kMockCudaPtx; }

/* Descriptor prefixes: allocated, aligned, offset, then sizes. */
typedef struct { void *allocated, *aligned; int64_t offset, sizes[2]; } D2;

static void run(void **args, const hyb_env_t *env) {
  ++mock_cuda_calls;
  if (!env || env->device != 1 || !env->stream || !env->device_ops ||
      env->device_ops->struct_size < sizeof(hyb_device_ops_t)) {
    ++mock_cuda_env_errors;
    return;
  }
  const hyb_device_ops_t *ops = env->device_ops;
  const D2 *embed = (const D2 *)args[0], *head = (const D2 *)args[1];
  const D2 *tokens = (const D2 *)args[2], *pos = (const D2 *)args[3];
  const D2 *state = (const D2 *)args[4], *logits = (const D2 *)args[5];
  uint64_t B = (uint64_t)tokens->sizes[0], T = (uint64_t)tokens->sizes[1];
  uint64_t h = H;
  void *hidden = ops->alloc(env, B * T * H * sizeof(float));
  if (!hidden)
    return; /* the runtime reports the failure */
  void *params[] = {(void *)&embed->aligned, (void *)&tokens->aligned,
                    (void *)&pos->aligned, (void *)&state->aligned,
                    &hidden, &B, &T, &h};
  uint32_t threads = 128, blocks = (uint32_t)((B * H + threads - 1) / threads);
  ops->launch(env, 0, blocks, 1, 1, threads, 1, 1, 0, params);
  hyb_gemm_t g = {0};
  g.a_dtype = HYB_DTYPE_F32;
  g.b_dtype = HYB_DTYPE_BF16;
  g.c_dtype = HYB_DTYPE_F32;
  g.m = (int64_t)(B * T);
  g.n = V;
  g.k = H;
  g.batch = 1;
  g.a = hidden;
  g.lda = H;
  g.b = head->aligned;
  g.ldb = H;
  g.c = logits->aligned;
  g.ldc = V;
  g.alpha = 1.0f;
  g.beta = 0.0f;
  ops->gemm(env, &g);
  ops->free(env, hidden);
}

EXPORT void mock_cuda_prefill(void **args, const hyb_env_t *env) {
  run(args, env);
}
EXPORT void mock_cuda_decode(void **args, const hyb_env_t *env) {
  run(args, env);
}
