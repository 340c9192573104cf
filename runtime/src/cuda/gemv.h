//===- gemv.h - The runtime's GEMV kernels for a few rows -------*- C++ -*-===//
//
// A GEMM of a few rows (a decode step: one token per sequence) is a GEMV:
// it streams the weight matrix once and does two flops per weight element,
// so its speed is the bandwidth at which B is read. cuBLASLt's heuristics
// pick tiles of 64 or more rows for it (a handful of CTAs over 132 SMs for
// N = 2048) and need A in B's 16-bit type, which costs a conversion kernel
// before and a combining one after; these kernels read f32 A and bf16 or
// f32 B as they are, a few rows of B a block with 16-byte loads, several
// in flight per thread, and accumulate in f32 (GemvTiling says how). The
// host picks them per call: the row count is known only at run time.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_CUDA_GEMV_H
#define HYBRID_RUNTIME_CUDA_GEMV_H

#include "hybrid/abi.h"

#include <string>

namespace hyb::cu {

/// Rows of A (batch x m) up to which a GEMM runs as a GEMV.
constexpr int64_t kGemvMaxRows = 8;

/// How a GEMV kernel shares out B: a block of |threads| covers
/// |rowsPerBlock| rows of B, every thread taking the same 16-byte chunks
/// of each of them (thread t chunks t, t + threads, ...), |unroll| chunks
/// a row per trip. A row's sum is combined over the warp with butterflies,
/// then over the block's warps in shared memory. Rows a block: one A
/// chunk serves them all. Threads over k rather than one warp a row: with
/// n = 2048 rows a warp a row leaves too few loads in flight per SM.
struct GemvTiling {
  unsigned rowsPerBlock, threads, unroll;
};

/// The runtime's tilings, one kernel each: 4 rows of 128 threads, unrolled
/// so that one trip covers a row of up to 128 x unroll chunks (k up to
/// 1024, 2048, 4096 in bf16), every load of a row in flight at once. Chosen
/// by bench/gpu-gemv on the H200, where they read 0.63-1.03 of the copy
/// bandwidth at the decode shapes of the 1.3B configs (docs/performance.md).
constexpr GemvTiling kGemvTilings[] = {{4, 128, 1}, {4, 128, 2}, {4, 128, 4}};
constexpr unsigned kNumGemvTilings = 3;

/// The index in kGemvTilings for a row of |k| elements of |elementBytes|.
unsigned gemvTilingFor(int64_t k, int elementBytes);

/// The GEMV kernel's entry name for B of |elementBytes| and tiling |index|
/// (|waitForPriorGrid|: the variant below).
std::string gemvKernelName(int elementBytes, unsigned index,
                           bool waitForPriorGrid = false);

/// One GEMV kernel's PTX, entry |name|, for B of |elementBytes| (2: bf16,
/// 4: f32) under |tiling|, without the module header. |waitForPriorGrid|
/// (sm_90 and later, PTX ISA 7.8): the kernel is launched overlapping the
/// one before it (programmatic stream serialization); it signals the next
/// kernel at once, loads its first rows of B, then waits for the grid
/// before it (griddepcontrol.wait) before it reads A or touches C.
std::string gemvKernelPtx(const std::string &name, int elementBytes,
                          const GemvTiling &tiling,
                          bool waitForPriorGrid = false);

/// Every GEMV kernel's PTX (gemvKernelName(bytes, i) for B in bf16 and f32
/// and each tiling), without the module header. Parameters, in order: c,
/// a, b (pointers), m, n, k, lda, ldb, ldc, stride_a, stride_b, stride_c
/// (u64, in elements), alpha, beta (f32); grid (ceil(n / rowsPerBlock),
/// batch * m), the tiling's threads.
std::string gemvPtx(bool waitForPriorGrid = false);

/// Whether the GEMV kernels take |g|: f32 A and C, bf16 or f32 B, at most
/// kGemvMaxRows rows, k a multiple of 8 and every row of A and B 16-byte
/// aligned (the kernels' vector loads). HYBRID_CUDA_GEMV=0 turns them off
/// (to measure against cuBLASLt).
bool gemvTakes(const hyb_gemm_t &g);

} // namespace hyb::cu

#endif // HYBRID_RUNTIME_CUDA_GEMV_H
