//===- gemv.h - The runtime's GEMV kernels for a few rows -------*- C++ -*-===//
//
// A GEMM of a few rows (a decode step: one token per sequence) is a GEMV:
// it streams the weight matrix once and does two flops per weight element,
// so its speed is the bandwidth at which B is read. cuBLASLt's heuristics
// pick tiles of 64 or more rows for it (a handful of CTAs over 132 SMs for
// N = 2048) and need A in B's 16-bit type, which costs a conversion kernel
// before and a combining one after; these kernels read f32 A and bf16 or
// f32 B as they are, one warp a row of B with 16-byte loads, several in
// flight per thread, and accumulate in f32. The host picks them per call:
// the row count is known only at run time.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_CUDA_GEMV_H
#define HYBRID_RUNTIME_CUDA_GEMV_H

#include "hybrid/abi.h"

#include <string>

namespace hyb::cu {

/// Rows of A (batch x m) up to which a GEMM runs as a GEMV.
constexpr int64_t kGemvMaxRows = 8;
/// Rows of B a block of kGemvBlockThreads threads covers (a warp each).
constexpr unsigned kGemvRowsPerBlock = 8;
constexpr unsigned kGemvBlockThreads = 32 * kGemvRowsPerBlock;

/// The GEMV kernels' PTX (entries hyb_gemv_f32_bf16 and hyb_gemv_f32_f32,
/// for B in bf16 or f32), without the module header. Parameters, in order:
/// c, a, b (pointers), m, n, k, lda, ldb, ldc, stride_a, stride_b,
/// stride_c (u64, in elements), alpha, beta (f32); grid
/// (ceil(n / kGemvRowsPerBlock), batch * m), kGemvBlockThreads threads.
std::string gemvPtx();

/// Whether the GEMV kernels take |g|: f32 A and C, bf16 or f32 B, at most
/// kGemvMaxRows rows, k a multiple of 8 and every row of A and B 16-byte
/// aligned (the kernels' vector loads). HYBRID_CUDA_GEMV=0 turns them off
/// (to measure against cuBLASLt).
bool gemvTakes(const hyb_gemm_t &g);

} // namespace hyb::cu

#endif // HYBRID_RUNTIME_CUDA_GEMV_H
