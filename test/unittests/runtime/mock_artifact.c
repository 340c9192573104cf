/*===- mock_artifact.c - A tiny hand-written hybridc artifact --------------===*
 *
 * Built into test .so files that follow docs/ABI.md: it exports
 * `hybrid_artifact_manifest` and the entry points the manifest names, taking
 * memref descriptors. The "model" (vocab 8, max_seq 16) is a deterministic
 * stateful function, so that prefill/decode/fork/save/load are tested for
 * real:
 *
 *   state "layers.0.acc"   i64 [2] per sequence: {acc, count}
 *   state "layers.1.cache" f32 [16, 2] per sequence: row p = {token, p + 1}
 *   for each token x at position p:
 *     acc = (acc * 3 + x + 1) mod 1000003; count = p + 1; cache[p] = {x, p+1}
 *     h = (acc + sum_{q <= p} cache[q][0] * cache[q][1]) mod 8
 *     logits[v] = w[v] + (v == h ? 1 : 0)
 *
 * Variants (compile definitions): MOCK_GREEDY adds `decode_greedy` (and a
 * different model name and config hash); MOCK_VERSION sets the manifest
 * version; MOCK_CODEBOOKS=K makes it a multi-codebook model (another name
 * and hash): tokens [B, T, K], logits [B, T, K, V], where the token fed at a
 * position is x = (sum_k (k + 1) * tok[k]) mod 8 and codebook k's logits
 * are w[v] + (v == (h + k) mod 8 ? 1 : 0). The counters below let tests see
 * what the runtime passed.
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <string.h>

#include "hybrid/abi.h"

#ifndef MOCK_VERSION
#define MOCK_VERSION 2
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

#define EXPORT __attribute__((visibility("default")))

enum { V = 8, MAX_SEQ = 16 };

/* Updated atomically: concurrency_test.cpp calls entry points of one loaded
 * mock from several threads at once. */
EXPORT int64_t mock_calls = 0;             /* entry point calls */
EXPORT int64_t mock_descriptor_errors = 0; /* malformed descriptors seen */
EXPORT int64_t mock_position_errors = 0;   /* position != state count */
EXPORT int64_t mock_env_errors = 0;        /* a missing or wrong hyb_env_t */
EXPORT uint64_t mock_last_seed = 0;        /* env->seed of the last call */

#ifdef MOCK_CODEBOOKS
enum { K = MOCK_CODEBOOKS };
#define TOKEN_DIMS(t) "[\"B\"," t "," STR(MOCK_CODEBOOKS) "]"
#define LOGIT_DIMS(t) "[\"B\"," t "," STR(MOCK_CODEBOOKS) ",8]"
#else
enum { K = 1 };
#define TOKEN_DIMS(t) "[\"B\"," t "]"
#define LOGIT_DIMS(t) "[\"B\"," t ",8]"
#endif

#define IO_ARGS(t)                                                            \
  "{\"role\":\"weight\",\"name\":\"lm_head.weight\"},"                        \
  "{\"role\":\"tokens\",\"name\":\"tokens\",\"io\":\"in\",\"dtype\":\"i64\","   \
  "\"shape\":" TOKEN_DIMS(t) "},"                                            \
  "{\"role\":\"position\",\"name\":\"position\",\"io\":\"in\",\"dtype\":\"i64\"," \
  "\"shape\":[\"B\"]},"                                                       \
  "{\"role\":\"state\",\"name\":\"layers.0.acc\"},"                           \
  "{\"role\":\"state\",\"name\":\"layers.1.cache\",\"dtype\":\"f32\","        \
  "\"shape\":[\"B\",16,2]},"

#if defined(MOCK_GREEDY)
#define MODEL_NAME "mock-greedy"
#define CONFIG_HASH "fnv1a64:00000000000000g2"
#define GREEDY_ENTRY                                                          \
  ",{\"name\":\"decode_greedy\",\"symbol\":\"mock_decode_greedy\","          \
  "\"advance\":1,\"args\":[" IO_ARGS("1")                                    \
  "{\"role\":\"next_token\",\"name\":\"next_token\",\"io\":\"out\","          \
  "\"dtype\":\"i64\",\"shape\":[\"B\",1]}]}"
#elif defined(MOCK_CODEBOOKS)
#define MODEL_NAME "mock-codebooks"
#define CONFIG_HASH "fnv1a64:00000000c0debook"
#define GREEDY_ENTRY ""
#else
#define MODEL_NAME "mock"
#define CONFIG_HASH "fnv1a64:00000000deadbeef"
#define GREEDY_ENTRY ""
#endif

static const char kManifest[] =
    "{\"format\":\"hybridc-artifact\",\"version\":" STR(MOCK_VERSION) ","
    "\"model\":{\"name\":\"" MODEL_NAME "\",\"config_hash\":\"" CONFIG_HASH "\","
    "\"vocab_size\":8,\"hidden_size\":4,\"num_layers\":2},"
    "\"target\":{\"kind\":\"cpu\",\"triple\":\"x86_64-unknown-linux-gnu\","
    "\"cpu\":\"generic\"},"
    "\"max_seq\":16,"
    "\"weights\":[{\"name\":\"lm_head.weight\",\"dtype\":\"f32\",\"shape\":[8]}],"
    "\"state\":["
    "{\"name\":\"layers.0.acc\",\"layer\":0,\"kind\":\"ssm_state\","
    "\"scope\":\"sequence\",\"dtype\":\"i64\",\"shape\":[2]},"
    "{\"name\":\"layers.1.cache\",\"layer\":1,\"kind\":\"k_cache\","
    "\"scope\":\"sequence\",\"dtype\":\"f32\",\"shape\":[16,2]}],"
    "\"entry_points\":["
    "{\"name\":\"prefill\",\"symbol\":\"mock_prefill\",\"advance\":\"T\","
    "\"args\":[" IO_ARGS("\"T\"")
    "{\"role\":\"logits\",\"name\":\"logits\",\"io\":\"out\",\"dtype\":\"f32\","
    "\"shape\":" LOGIT_DIMS("\"T\"") "}]},"
    "{\"name\":\"decode\",\"symbol\":\"mock_decode\",\"advance\":1,\"args\":["
    IO_ARGS("1")
    "{\"role\":\"logits\",\"name\":\"logits\",\"io\":\"out\",\"dtype\":\"f32\","
    "\"shape\":" LOGIT_DIMS("1") "}]}"
    GREEDY_ENTRY "]}";

EXPORT const char *hybrid_artifact_manifest(void) { return kManifest; }

/* Descriptor views: allocated, aligned, offset, sizes[R], strides[R]. */
typedef struct { void *allocated, *aligned; int64_t offset, sizes[1], strides[1]; } D1;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[2], strides[2]; } D2;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[3], strides[3]; } D3;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[4], strides[4]; } D4;

static void check(int ok) {
  if (!ok)
    __atomic_fetch_add(&mock_descriptor_errors, 1, __ATOMIC_RELAXED);
}
static void check1(const D1 *d, int64_t s0) {
  check(d->allocated == d->aligned && d->offset == 0 && d->sizes[0] == s0 &&
        d->strides[0] == 1 && d->aligned != 0);
}
static void check2(const D2 *d, int64_t s0, int64_t s1) {
  check(d->allocated == d->aligned && d->offset == 0 && d->sizes[0] == s0 &&
        d->sizes[1] == s1 && d->strides[0] == s1 && d->strides[1] == 1);
}
static void check3(const D3 *d, int64_t s0, int64_t s1, int64_t s2) {
  check(d->allocated == d->aligned && d->offset == 0 && d->sizes[0] == s0 &&
        d->sizes[1] == s1 && d->sizes[2] == s2 && d->strides[0] == s1 * s2 &&
        d->strides[1] == s2 && d->strides[2] == 1);
}

static void check4(const D4 *d, int64_t s0, int64_t s1, int64_t s2,
                   int64_t s3) {
  check(d->allocated == d->aligned && d->offset == 0 && d->sizes[0] == s0 &&
        d->sizes[1] == s1 && d->sizes[2] == s2 && d->sizes[3] == s3 &&
        d->strides[0] == s1 * s2 * s3 && d->strides[1] == s2 * s3 &&
        d->strides[2] == s3 && d->strides[3] == 1);
}

/* Shared body. logits ([B,T,V] or [B,T,K,V]) or next ([B,T]). */
static void run(void **args, const hyb_env_t *env, int greedy) {
  const D1 *w = (const D1 *)args[0];
  const D2 *tok = (const D2 *)args[1];
  const D1 *pos = (const D1 *)args[2];
  const D2 *acc = (const D2 *)args[3];
  const D3 *cache = (const D3 *)args[4];
  int64_t B = tok->sizes[0], T = tok->sizes[1];
  __atomic_fetch_add(&mock_calls, 1, __ATOMIC_RELAXED);
  if (!env || env->abi_version != HYB_ABI_VERSION ||
      env->struct_size != sizeof(hyb_env_t) || env->device != 0 ||
      env->stream != 0)
    __atomic_fetch_add(&mock_env_errors, 1, __ATOMIC_RELAXED);
  else
    __atomic_store_n(&mock_last_seed, env->seed, __ATOMIC_RELAXED);
  check1(w, V);
  if (K > 1)
    check3((const D3 *)args[1], B, T, K);
  else
    check2(tok, B, T);
  check1(pos, B);
  check2(acc, B, 2);
  check3(cache, B, MAX_SEQ, 2);
  float logits_row[V];
  float *logits = 0;
  int64_t *next = 0;
  if (greedy) {
    const D2 *n = (const D2 *)args[5];
    check2(n, B, T);
    next = (int64_t *)n->aligned;
  } else if (K > 1) {
    const D4 *l = (const D4 *)args[5];
    check4(l, B, T, K, V);
    logits = (float *)l->aligned;
  } else {
    const D3 *l = (const D3 *)args[5];
    check3(l, B, T, V);
    logits = (float *)l->aligned;
  }
  const float *wv = (const float *)w->aligned;
  const int64_t *tv = (const int64_t *)tok->aligned;
  const int64_t *pv = (const int64_t *)pos->aligned;
  int64_t *av = (int64_t *)acc->aligned;
  float *cv = (float *)cache->aligned;
  for (int64_t b = 0; b < B; ++b) {
    int64_t *a = av + b * 2;
    float *c = cv + b * MAX_SEQ * 2;
    if (a[1] != pv[b])
      __atomic_fetch_add(&mock_position_errors, 1, __ATOMIC_RELAXED);
    for (int64_t t = 0; t < T; ++t) {
      int64_t x = 0, p = pv[b] + t;
      if (K > 1)
        for (int64_t k = 0; k < K; ++k)
          x += (k + 1) * tv[(b * T + t) * K + k];
      else
        x = tv[b * T + t];
      x %= V;
      if (p < 0 || p >= MAX_SEQ) { /* the runtime must prevent this */
        __atomic_fetch_add(&mock_position_errors, 1, __ATOMIC_RELAXED);
        return;
      }
      a[0] = (a[0] * 3 + x + 1) % 1000003;
      a[1] = p + 1;
      c[p * 2 + 0] = (float)x;
      c[p * 2 + 1] = (float)(p + 1);
      int64_t h = a[0];
      for (int64_t q = 0; q <= p; ++q)
        h += (int64_t)c[q * 2 + 0] * (int64_t)c[q * 2 + 1];
      h %= V;
      float *row = logits_row;
      for (int64_t k = 0; k < K; ++k) {
        row = logits ? logits + ((b * T + t) * K + k) * V : logits_row;
        for (int64_t v = 0; v < V; ++v)
          row[v] = wv[v] + (v == (h + k) % V ? 1.0f : 0.0f);
      }
      if (next) {
        int64_t best = 0;
        for (int64_t v = 1; v < V; ++v)
          if (row[v] > row[best])
            best = v;
        next[b * T + t] = best;
      }
    }
  }
}

EXPORT void mock_prefill(void **args, const hyb_env_t *env) {
  run(args, env, 0);
}
EXPORT void mock_decode(void **args, const hyb_env_t *env) {
  run(args, env, 0);
}
#ifdef MOCK_GREEDY
EXPORT void mock_decode_greedy(void **args, const hyb_env_t *env) {
  run(args, env, 1);
}
#endif
