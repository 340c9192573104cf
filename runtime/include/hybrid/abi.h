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
  /* For fields added later without a new ABI version; zero. */
  uint64_t reserved[8];
} hyb_env_t;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HYBRID_ABI_H */
