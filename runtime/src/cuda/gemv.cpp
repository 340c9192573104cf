//===- gemv.cpp - The runtime's GEMV kernels for a few rows ---------------===//

#include "runtime/src/cuda/gemv.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace hyb::cu {

namespace {

std::string u(int64_t i) { return std::to_string(i); }

} // namespace

std::string gemvKernelPtx(const std::string &name, int elementBytes,
                          const GemvTiling &tiling, bool waitForPriorGrid) {
  const int rows = int(tiling.rowsPerBlock), unroll = int(tiling.unroll);
  const int threads = int(tiling.threads), warps = threads / 32;
  const int log2Bytes = elementBytes == 2 ? 1 : 2;
  // A 16-byte chunk of B holds 8 bf16 or 4 f32 elements; A's matching
  // elements are 32 or 16 bytes of f32.
  const int perChunk = 16 / elementBytes, aChunkBytes = 4 * perChunk;
  const int aVectors = aChunkBytes / 16;
  std::string t;
  auto line = [&](const std::string &s) { t += "  " + s + "\n"; };
  t += ".visible .entry " + name + R"((
    .param .u64 p_c, .param .u64 p_a, .param .u64 p_b,
    .param .u64 p_m, .param .u64 p_n, .param .u64 p_k,
    .param .u64 p_lda, .param .u64 p_ldb, .param .u64 p_ldc,
    .param .u64 p_sa, .param .u64 p_sb, .param .u64 p_sc,
    .param .f32 p_alpha, .param .f32 p_beta)
.maxntid )" + u(threads) + R"(, 1, 1
{
  .reg .pred %p<4>;
  .reg .pred %q<)" + u(unroll) + R"(>;
  .reg .b32 %r<12>;
  .reg .b64 %rd<32>;
  .reg .b64 %rb<)" + u(rows) + R"(>;
  .reg .b64 %kc<)" + u(unroll) + R"(>;
  .reg .f32 %f<16>;
  .reg .f32 %acc<)" + u(rows) + R"(>;
  .reg .f32 %fa<)" + u(perChunk * unroll) + R"(>;
  .reg .b32 %w<)" + u(4 * unroll * rows) + R"(>;
  .shared .align 4 .f32 partial[)" + u(warps * rows) + R"(];
  ld.param.u64 %rd1, [p_c];
  ld.param.u64 %rd2, [p_a];
  ld.param.u64 %rd3, [p_b];
  ld.param.u64 %rd4, [p_m];
  ld.param.u64 %rd5, [p_n];
  ld.param.u64 %rd6, [p_k];
  ld.param.u64 %rd7, [p_lda];
  ld.param.u64 %rd8, [p_ldb];
  ld.param.u64 %rd9, [p_ldc];
  ld.param.u64 %rd10, [p_sa];
  ld.param.u64 %rd11, [p_sb];
  ld.param.u64 %rd12, [p_sc];
  ld.param.f32 %f1, [p_alpha];
  ld.param.f32 %f2, [p_beta];
  mov.u32 %r1, %tid.x;
  shr.u32 %r2, %r1, 5;
  and.b32 %r3, %r1, 31;
  mov.u32 %r4, %ctaid.x;
  mov.u32 %r5, %ctaid.y;
)";
  // Overlapped with the kernel before it: the next kernel may be scheduled
  // now, and B (weights, which no kernel writes) streams in while the
  // kernel before finishes; A and C wait for it (after the first trip's
  // loads of B, and before the reduction for a thread with no trip).
  if (waitForPriorGrid)
    line("griddepcontrol.launch_dependents;");
  // The block's first row of B; its rows past n read row n - 1 (any row
  // in bounds) and are not stored, so the loop below has no row checks.
  line("mul.wide.u32 %rd13, %r4, " + u(rows) + ";");
  line("sub.u64 %rd14, %rd5, 1;");
  // (batch, row) of A from ctaid.y.
  line("cvt.u64.u32 %rd15, %r5;");
  line("div.u64 %rd16, %rd15, %rd4;");
  line("rem.u64 %rd17, %rd15, %rd4;");
  // A's row: a + (batch * stride_a + row * lda) * 4.
  line("mul.lo.u64 %rd18, %rd16, %rd10;");
  line("mad.lo.u64 %rd18, %rd17, %rd7, %rd18;");
  line("shl.b64 %rd18, %rd18, 2;");
  line("add.u64 %rd18, %rd2, %rd18;");
  // B's rows: b + (batch * stride_b + min(n0 + r, n - 1) * ldb) * size.
  line("mul.lo.u64 %rd19, %rd16, %rd11;");
  for (int r = 0; r < rows; ++r) {
    const std::string rb = "%rb" + u(r);
    line("add.u64 %rd20, %rd13, " + u(r) + ";");
    line("min.u64 %rd20, %rd20, %rd14;");
    line("mad.lo.u64 " + rb + ", %rd20, %rd8, %rd19;");
    line("shl.b64 " + rb + ", " + rb + ", " + u(log2Bytes) + ";");
    line("add.u64 " + rb + ", %rd3, " + rb + ";");
    line("mov.f32 %acc" + u(r) + ", 0f00000000;");
  }
  // Chunks of a row: k / perChunk; thread t takes chunks t, t + threads,
  // ..., `unroll` of them a trip, so that neighbouring threads read
  // neighbouring 16 bytes of every row and each thread has unroll x rows
  // loads in flight.
  line("shr.u64 %rd21, %rd6, " + u(perChunk == 8 ? 3 : 2) + ";");
  line("cvt.u64.u32 %rd22, %r1;");
  t += "LOOP:\n";
  line("setp.ge.u64 %p0, %rd22, %rd21;");
  line("@%p0 bra REDUCE;");
  for (int i = 0; i < unroll; ++i) {
    const std::string k = "%kc" + u(i);
    line("add.u64 " + k + ", %rd22, " + u(threads * i) + ";");
    line("setp.lt.u64 %q" + u(i) + ", " + k + ", %rd21;");
    line("shl.b64 " + k + ", " + k + ", 4;"); // chunk -> bytes of B
  }
  // The weight stream first: every row's chunks, then A's (small, cached).
  for (int i = 0; i < unroll; ++i)
    for (int r = 0; r < rows; ++r) {
      const int w = 4 * (i * rows + r);
      line("add.u64 %rd23, %rb" + u(r) + ", %kc" + u(i) + ";");
      line("@%q" + u(i) + " ld.global.nc.v4.b32 {%w" + u(w) +
           ", %w" + u(w + 1) + ", %w" + u(w + 2) + ", %w" + u(w + 3) +
           "}, [%rd23];");
    }
  if (waitForPriorGrid)
    line("griddepcontrol.wait;");
  for (int i = 0; i < unroll; ++i) {
    // A's offset is the chunk's byte offset in B times aChunkBytes / 16.
    line(aVectors == 2 ? "shl.b64 %rd24, %kc" + u(i) + ", 1;"
                       : "mov.b64 %rd24, %kc" + u(i) + ";");
    line("add.u64 %rd24, %rd18, %rd24;");
    for (int h = 0; h < aVectors; ++h) {
      const int f = perChunk * i + 4 * h;
      line("@%q" + u(i) + " ld.global.nc.v4.f32 {%fa" + u(f) + ", %fa" +
           u(f + 1) + ", %fa" + u(f + 2) + ", %fa" + u(f + 3) + "}, [%rd24+" +
           u(16 * h) + "];");
    }
  }
  for (int i = 0; i < unroll; ++i)
    for (int r = 0; r < rows; ++r) {
      const std::string q = "@%q" + u(i) + " ", acc = "%acc" + u(r);
      for (int j = 0; j < 4; ++j) {
        const std::string w = "%w" + u(4 * (i * rows + r) + j);
        if (elementBytes == 2) {
          // bf16 is the high half of an f32: element 2j is the low half.
          line(q + "shl.b32 %r6, " + w + ", 16;");
          line(q + "mov.b32 %f3, %r6;");
          line(q + "and.b32 %r7, " + w + ", -65536;");
          line(q + "mov.b32 %f4, %r7;");
          line(q + "fma.rn.f32 " + acc + ", %fa" + u(perChunk * i + 2 * j) +
               ", %f3, " + acc + ";");
          line(q + "fma.rn.f32 " + acc + ", %fa" +
               u(perChunk * i + 2 * j + 1) + ", %f4, " + acc + ";");
        } else {
          line(q + "mov.b32 %f3, " + w + ";");
          line(q + "fma.rn.f32 " + acc + ", %fa" + u(perChunk * i + j) +
               ", %f3, " + acc + ";");
        }
      }
    }
  line("add.u64 %rd22, %rd22, " + u(threads * unroll) + ";");
  line("bra LOOP;");
  // Each row's sum over the warp (butterflies), then over the block's
  // warps (shared memory): thread r < rows stores row r.
  t += "REDUCE:\n";
  if (waitForPriorGrid)
    line("griddepcontrol.wait;");
  for (int r = 0; r < rows; ++r) {
    const std::string acc = "%acc" + u(r);
    for (int offset = 16; offset >= 1; offset /= 2) {
      line("shfl.sync.bfly.b32 %f5, " + acc + ", " + u(offset) + ", 31, -1;");
      line("add.f32 " + acc + ", " + acc + ", %f5;");
    }
  }
  line("setp.ne.u32 %p1, %r3, 0;");
  line("@%p1 bra SYNC;");
  line("mov.u32 %r8, partial;");
  line("mul.lo.u32 %r9, %r2, " + u(4 * rows) + ";");
  line("add.u32 %r8, %r8, %r9;");
  for (int r = 0; r < rows; ++r)
    line("st.shared.f32 [%r8+" + u(4 * r) + "], %acc" + u(r) + ";");
  t += "SYNC:\n";
  line("bar.sync 0;");
  line("setp.ge.u32 %p1, %r1, " + u(rows) + ";");
  line("@%p1 bra DONE;");
  // This thread's row n0 + tid; past n: nothing to store.
  line("cvt.u64.u32 %rd25, %r1;");
  line("add.u64 %rd25, %rd13, %rd25;");
  line("setp.ge.u64 %p0, %rd25, %rd5;");
  line("@%p0 bra DONE;");
  line("mov.u32 %r8, partial;");
  line("shl.b32 %r9, %r1, 2;");
  line("add.u32 %r8, %r8, %r9;");
  line("mov.f32 %f6, 0f00000000;");
  for (int w = 0; w < warps; ++w) {
    line("ld.shared.f32 %f7, [%r8+" + u(4 * rows * w) + "];");
    line("add.f32 %f6, %f6, %f7;");
  }
  // C[batch][row, n] = alpha * sum + beta * C (C not read if beta is 0).
  line("mul.lo.u64 %rd26, %rd16, %rd12;");
  line("mad.lo.u64 %rd26, %rd17, %rd9, %rd26;");
  line("add.u64 %rd26, %rd26, %rd25;");
  line("shl.b64 %rd26, %rd26, 2;");
  line("add.u64 %rd26, %rd1, %rd26;");
  line("mul.f32 %f6, %f6, %f1;");
  line("setp.eq.f32 %p2, %f2, 0f00000000;");
  line("@%p2 bra STORE;");
  line("ld.global.f32 %f7, [%rd26];");
  line("fma.rn.f32 %f6, %f2, %f7, %f6;");
  t += "STORE:\n";
  line("st.global.f32 [%rd26], %f6;");
  t += "DONE:\n";
  line("ret;");
  t += "}\n";
  return t;
}

namespace {
bool aligned16(const void *p) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}
} // namespace

unsigned gemvTilingFor(int64_t k, int elementBytes) {
  const int64_t chunks = k * elementBytes / 16;
  for (unsigned i = 0; i + 1 < kNumGemvTilings; ++i)
    if (chunks <= int64_t(kGemvTilings[i].threads * kGemvTilings[i].unroll))
      return i;
  return kNumGemvTilings - 1;
}

std::string gemvKernelName(int elementBytes, unsigned index,
                           bool waitForPriorGrid) {
  return std::string(elementBytes == 2 ? "hyb_gemv_f32_bf16_" : "hyb_gemv_f32_f32_") +
         std::to_string(index) + (waitForPriorGrid ? "_overlapped" : "");
}

std::string gemvPtx(bool waitForPriorGrid) {
  std::string text;
  for (int bytes : {2, 4})
    for (unsigned i = 0; i < kNumGemvTilings; ++i)
      text += gemvKernelPtx(gemvKernelName(bytes, i, waitForPriorGrid), bytes,
                            kGemvTilings[i], waitForPriorGrid);
  return text;
}
bool gemvTakes(const hyb_gemm_t &g) {
  static const bool enabled = [] {
    const char *v = std::getenv("HYBRID_CUDA_GEMV");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  if (!enabled || g.a_dtype != HYB_DTYPE_F32 || g.c_dtype != HYB_DTYPE_F32 ||
      (g.b_dtype != HYB_DTYPE_BF16 && g.b_dtype != HYB_DTYPE_F32))
    return false;
  if (g.m < 1 || g.n < 1 || g.k < 1 || g.batch < 1 ||
      g.batch * g.m > kGemvMaxRows || g.k % 8 != 0)
    return false;
  // 16-byte loads of A (4 floats) and B (8 bf16 or 4 floats) at every row.
  const int64_t bPerLoad = g.b_dtype == HYB_DTYPE_BF16 ? 8 : 4;
  if (!aligned16(g.a) || !aligned16(g.b) || g.lda % 4 != 0 ||
      g.ldb % bPerLoad != 0 || (g.batch > 1 && (g.stride_a % 4 != 0 ||
                                                g.stride_b % bPerLoad != 0)))
    return false;
  return g.lda >= g.k && g.ldb >= g.k && g.ldc >= g.n && g.c;
}

} // namespace hyb::cu
