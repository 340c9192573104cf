//===- cublaslt.h - cuBLASLt, loaded at run time ----------------*- C++ -*-===//
//
// Like cuda_driver.h: the types, values (those of CUDA 13's cublasLt.h,
// cublas_api.h and library_types.h) and functions of cuBLASLt that the CUDA
// backend's GEMM uses, resolved from libcublasLt.so.13 with dlopen when the
// first CUDA backend is created.
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_CUDA_CUBLASLT_H
#define HYBRIDRT_CUDA_CUBLASLT_H

#include "runtime/src/cuda/cuda_driver.h"

namespace hyb {
namespace lt {

using Status = int; // cublasStatus_t
using Handle = struct cublasLtContext *;
using MatmulDesc = struct cublasLtMatmulDescOpaque_t *;
using MatrixLayout = struct cublasLtMatrixLayoutOpaque_t *;
using MatmulPreference = struct cublasLtMatmulPreferenceOpaque_t *;

struct MatmulAlgo { // cublasLtMatmulAlgo_t
  uint64_t data[8];
};
struct HeuristicResult { // cublasLtMatmulHeuristicResult_t
  MatmulAlgo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};

constexpr Status kSuccess = 0;      // CUBLAS_STATUS_SUCCESS
constexpr int kComputeF32 = 68;     // CUBLAS_COMPUTE_32F (never _FAST_TF32)
constexpr int kDataF32 = 0;         // CUDA_R_32F
constexpr int kDataF16 = 2;         // CUDA_R_16F
constexpr int kDataBF16 = 14;       // CUDA_R_16BF
constexpr int kOpN = 0, kOpT = 1;   // CUBLAS_OP_N, CUBLAS_OP_T
constexpr int kMatmulDescTransA = 3; // CUBLASLT_MATMUL_DESC_TRANSA
constexpr int kMatmulDescTransB = 4; // CUBLASLT_MATMUL_DESC_TRANSB
constexpr int kLayoutBatchCount = 5; // CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT
constexpr int kLayoutStridedBatchOffset = 6;
constexpr int kPrefMaxWorkspaceBytes = 1; // CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES
constexpr int kPrefMinAlignmentABytes = 5; // ..._A_BYTES; B, C, D follow
constexpr int kPrefMinAlignmentBBytes = 6;
constexpr int kPrefMinAlignmentCBytes = 7;
constexpr int kPrefMinAlignmentDBytes = 8;

struct Library {
  Status (*create)(Handle *);
  Status (*destroy)(Handle);
  const char *(*getStatusName)(Status);
  size_t (*getVersion)();
  Status (*matmulDescCreate)(MatmulDesc *, int computeType, int scaleType);
  Status (*matmulDescDestroy)(MatmulDesc);
  Status (*matmulDescSetAttribute)(MatmulDesc, int attr, const void *, size_t);
  Status (*matrixLayoutCreate)(MatrixLayout *, int type, uint64_t rows,
                               uint64_t cols, int64_t ld);
  Status (*matrixLayoutDestroy)(MatrixLayout);
  Status (*matrixLayoutSetAttribute)(MatrixLayout, int attr, const void *,
                                     size_t);
  Status (*matmulPreferenceCreate)(MatmulPreference *);
  Status (*matmulPreferenceDestroy)(MatmulPreference);
  Status (*matmulPreferenceSetAttribute)(MatmulPreference, int attr,
                                         const void *, size_t);
  Status (*matmulAlgoGetHeuristic)(Handle, MatmulDesc, MatrixLayout A,
                                   MatrixLayout B, MatrixLayout C,
                                   MatrixLayout D, MatmulPreference,
                                   int requested, HeuristicResult *results,
                                   int *returned);
  Status (*matmul)(Handle, MatmulDesc, const void *alpha, const void *A,
                   MatrixLayout, const void *B, MatrixLayout,
                   const void *beta, const void *C, MatrixLayout, void *D,
                   MatrixLayout, const MatmulAlgo *, void *workspace,
                   size_t workspaceBytes, cu::Stream);
};

/// The process's cuBLASLt: libcublasLt.so.13 from LD_LIBRARY_PATH (the
/// loader's search), else /usr/local/cuda/targets/x86_64-linux/lib, else
/// /usr/local/cuda/lib64.
hyb_status_t loadLibrary(const Library **out);

/// "cublasLtMatmul: CUBLAS_STATUS_NOT_SUPPORTED"; null for kSuccess.
std::string describe(const Library &l, Status s, const char *function);

} // namespace lt
} // namespace hyb

#endif // HYBRIDRT_CUDA_CUBLASLT_H
