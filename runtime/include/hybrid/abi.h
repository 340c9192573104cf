/*===- hybrid/abi.h - The artifact ABI: what an entry point receives ------===*
 *
 * Plain C, no dependencies: the part of the contract between libhybridrt and
 * the code that hybridc generates that is not in the manifest (docs/ABI.md).
 * Every entry point of an artifact is
 *
 *   void SYMBOL(void **args, const hyb_env_t *env);
 *
 * where args[i] points to the memref descriptor of the manifest's argument
 * i and |env| describes where and how the call runs. The runtime fills one
 * hyb_env_t per session; an entry point reads it and never keeps the
 * pointer past its return.
 *
 *===----------------------------------------------------------------------===*/
#ifndef HYBRID_ABI_H
#define HYBRID_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The artifact ABI and manifest version: the manifest's "version", and
 * hyb_env_t.abi_version. A runtime loads only artifacts of its own version. */
#define HYB_ABI_VERSION 2

/* Element types, as the manifest spells them ("f32", "bf16", ...) and as
 * generated code passes them to hyb_device_ops_t (hyb_gemm_t). */
typedef enum hyb_dtype_t {
  HYB_DTYPE_F32 = 0,
  HYB_DTYPE_BF16 = 1,
  HYB_DTYPE_F16 = 2,
  HYB_DTYPE_I64 = 3,
  HYB_DTYPE_I32 = 4,
} hyb_dtype_t;

struct hyb_env_t;

/* One GEMM the compiler hands to the device's BLAS library (cuBLASLt):
 *
 *   C[b][m, n] = alpha * sum_k A[b][m, k] * B[b][n, k] + beta * C[b][m, n]
 *
 * for b < batch: every operand row-major, B read transposed (a weight of
 * [out_features, in_features], as checkpoints store it). Leading dimensions
 * and batch strides are in elements. Accumulation is f32 whatever the
 * operand types; C is f32 or the type of A. A and B may differ in type
 * (f32 activations, bf16 weights): the runtime converts A to B's type. */
typedef struct hyb_gemm_t {
  int32_t a_dtype, b_dtype, c_dtype; /* hyb_dtype_t */
  int32_t reserved_i32;
  int64_t m, n, k, batch;
  const void *a;
  int64_t lda, stride_a;
  const void *b;
  int64_t ldb, stride_b;
  void *c;
  int64_t ldc, stride_c;
  float alpha, beta;
} hyb_gemm_t;

/* What device code (the host side of a CUDA artifact) asks of the runtime:
 * a table of functions in hyb_env_t.device_ops, so an artifact links
 * against nothing and resolves no symbol of the runtime. Every call
 * enqueues on env->stream and returns at once; none returns an error: the
 * runtime keeps the first failure of a call in the session and reports it
 * at hyb_session_synchronize, naming the kernel or GEMM. */
typedef struct hyb_device_ops_t {
  uint32_t struct_size; /* sizeof(hyb_device_ops_t) of the runtime */
  uint32_t reserved_u32;
  /* Kernel |kernel| (an index into the manifest's target.kernels) over a
   * grid of blocks, with |params| what cuLaunchKernel takes: one pointer a
   * kernel parameter, to its value. */
  void (*launch)(const struct hyb_env_t *env, uint32_t kernel,
                 uint32_t grid_x, uint32_t grid_y, uint32_t grid_z,
                 uint32_t block_x, uint32_t block_y, uint32_t block_z,
                 uint32_t shared_bytes, void **params);
  void (*gemm)(const struct hyb_env_t *env, const hyb_gemm_t *gemm);
  /* Device memory for a temporary of the call, ordered on env->stream
   * (cuMemAllocAsync: capturable into the decode's CUDA graph); at least
   * 256-byte aligned; NULL only after a failure the call reports. */
  void *(*alloc)(const struct hyb_env_t *env, uint64_t bytes);
  void (*free)(const struct hyb_env_t *env, void *ptr);
} hyb_device_ops_t;

typedef struct hyb_env_t {
  /* HYB_ABI_VERSION of the runtime that makes the call, so that generated
   * code can refuse (or adapt to) a runtime older or newer than itself. */
  uint32_t abi_version;
  /* sizeof(hyb_env_t) as the runtime compiled it: fields are only ever
   * appended (taken from reserved[]), so code can test that a field is
   * present before it reads it. */
  uint32_t struct_size;
  /* Which backend runs the call (hyb_device_t: 0 = CPU, 1 = CUDA) and its
   * device ordinal: device code launches its kernels there. */
  int32_t device;
  int32_t device_ordinal;
  /* The stream every kernel of the call is enqueued on (a CUstream on
   * CUDA), NULL on the CPU. The call may return before the stream has run
   * its work: the runtime synchronizes (hyb_session_synchronize). */
  void *stream;
  /* A BLAS handle for the GEMMs the compiler hands to a library (a
   * cublasLtHandle_t on CUDA), created once by the runtime; NULL when the
   * backend has none. */
  void *blas_handle;
  /* Scratch device memory for the call (split-K partial sums, GEMM library
   * workspaces), owned by the runtime, valid for the call and the stream
   * work it enqueues; NULL / 0 when the backend provides none. */
  void *workspace;
  uint64_t workspace_bytes;
  /* The seed of sampling entry points (temperature, top-k): generated
   * code derives its random numbers from (seed, sequence, position), so the
   * same seed gives the same tokens. hyb_session_set_seed(); default 0. */
  uint64_t seed;
  /* Threads the call may use on the host (OpenMP); 0 = the artifact's
   * default. hyb_module_options_t.num_threads. */
  int32_t num_threads;
  int32_t reserved_i32;
  /* The runtime's services to device code (CUDA; NULL on the CPU), and
   * the runtime's own pointer that those functions find their session by. */
  const hyb_device_ops_t *device_ops;
  void *device_context;
  /* For fields added later without a new ABI version; zero. */
  uint64_t reserved[6];
} hyb_env_t;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HYBRID_ABI_H */
