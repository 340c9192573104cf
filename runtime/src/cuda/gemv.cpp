//===- gemv.cpp - The runtime's GEMV kernels for a few rows ---------------===//

#include "runtime/src/cuda/gemv.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace hyb::cu {

namespace {

/// Chunks of 8 elements each thread loads per trip of the loop over k:
/// independent 16-byte loads in flight, which the bandwidth needs with a
/// warp per row and as few as 2048 rows.
constexpr int kUnroll = 4;

/// One GEMV kernel; |elementBytes| is B's element size (2: bf16, 4: f32).
std::string kernel(const char *name, int elementBytes) {
  const int log2Bytes = elementBytes == 2 ? 1 : 2;
  std::string t;
  auto line = [&](const std::string &s) { t += "  " + s + "\n"; };
  auto u = [](int i) { return std::to_string(i); };
  t += ".visible .entry " + std::string(name) + R"((
    .param .u64 p_c, .param .u64 p_a, .param .u64 p_b,
    .param .u64 p_m, .param .u64 p_n, .param .u64 p_k,
    .param .u64 p_lda, .param .u64 p_ldb, .param .u64 p_ldc,
    .param .u64 p_sa, .param .u64 p_sb, .param .u64 p_sc,
    .param .f32 p_alpha, .param .f32 p_beta)
{
  .reg .pred %p<4>;
  .reg .pred %q<)" + u(kUnroll) + R"(>;
  .reg .b32 %r<8>;
  .reg .b64 %rd<24>;
  .reg .b64 %ka<)" + u(kUnroll) + R"(>;
  .reg .b64 %kb<)" + u(kUnroll) + R"(>;
  .reg .b64 %kk<)" + u(kUnroll) + R"(>;
  .reg .f32 %f<16>;
  .reg .f32 %fa<)" + u(8 * kUnroll) + R"(>;
  .reg .f32 %fb<)" + u(8 * kUnroll) + R"(>;
  .reg .b32 %w<)" + u(4 * kUnroll) + R"(>;
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
  // n = ctaid.x * rows-per-block + warp; a warp past the last row leaves
  // whole, so the shuffles below see all of their warp.
  line("mul.wide.u32 %rd13, %r4, " + u(kGemvRowsPerBlock) + ";");
  line("cvt.u64.u32 %rd14, %r2;");
  line("add.u64 %rd13, %rd13, %rd14;");
  line("setp.ge.u64 %p0, %rd13, %rd5;");
  line("@%p0 bra DONE;");
  // (batch, row) of A from ctaid.y.
  line("cvt.u64.u32 %rd15, %r5;");
  line("div.u64 %rd16, %rd15, %rd4;");
  line("rem.u64 %rd17, %rd15, %rd4;");
  // A's row: a + (batch * stride_a + row * lda) * 4.
  line("mul.lo.u64 %rd18, %rd16, %rd10;");
  line("mad.lo.u64 %rd18, %rd17, %rd7, %rd18;");
  line("shl.b64 %rd18, %rd18, 2;");
  line("add.u64 %rd18, %rd2, %rd18;");
  // B's row: b + (batch * stride_b + n * ldb) * element size.
  line("mul.lo.u64 %rd19, %rd16, %rd11;");
  line("mad.lo.u64 %rd19, %rd13, %rd8, %rd19;");
  line("shl.b64 %rd19, %rd19, " + u(log2Bytes) + ";");
  line("add.u64 %rd19, %rd3, %rd19;");
  // Lane l takes elements [8 l, 8 l + 8) of every 256.
  line("mul.wide.u32 %rd20, %r3, 8;");
  line("mov.f32 %f3, 0f00000000;");
  line("mov.f32 %f4, 0f00000000;");
  t += "LOOP:\n";
  line("setp.ge.u64 %p0, %rd20, %rd6;");
  line("@%p0 bra REDUCE;");
  for (int i = 0; i < kUnroll; ++i) {
    const std::string q = "%q" + u(i), k = "%kk" + u(i);
    line("add.u64 " + k + ", %rd20, " + u(256 * i) + ";");
    line("setp.lt.u64 " + q + ", " + k + ", %rd6;");
    line("shl.b64 %ka" + u(i) + ", " + k + ", 2;");
    line("add.u64 %ka" + u(i) + ", %rd18, %ka" + u(i) + ";");
    line("shl.b64 %kb" + u(i) + ", " + k + ", " + u(log2Bytes) + ";");
    line("add.u64 %kb" + u(i) + ", %rd19, %kb" + u(i) + ";");
  }
  // The weight stream first, then the activations (small, cached).
  for (int i = 0; i < kUnroll; ++i) {
    const std::string q = "@%q" + u(i) + " ", kb = "%kb" + u(i);
    if (elementBytes == 2) {
      line(q + "ld.global.nc.v4.b32 {%w" + u(4 * i) + ", %w" + u(4 * i + 1) +
           ", %w" + u(4 * i + 2) + ", %w" + u(4 * i + 3) + "}, [" + kb + "];");
    } else {
      for (int h = 0; h < 2; ++h)
        line(q + "ld.global.nc.v4.f32 {%fb" + u(8 * i + 4 * h) + ", %fb" +
             u(8 * i + 4 * h + 1) + ", %fb" + u(8 * i + 4 * h + 2) + ", %fb" +
             u(8 * i + 4 * h + 3) + "}, [" + kb + "+" + u(16 * h) + "];");
    }
  }
  for (int i = 0; i < kUnroll; ++i) {
    const std::string q = "@%q" + u(i) + " ", ka = "%ka" + u(i);
    for (int h = 0; h < 2; ++h)
      line(q + "ld.global.nc.v4.f32 {%fa" + u(8 * i + 4 * h) + ", %fa" +
           u(8 * i + 4 * h + 1) + ", %fa" + u(8 * i + 4 * h + 2) + ", %fa" +
           u(8 * i + 4 * h + 3) + "}, [" + ka + "+" + u(16 * h) + "];");
  }
  for (int i = 0; i < kUnroll; ++i) {
    const std::string q = "@%q" + u(i) + " ";
    if (elementBytes == 2) {
      // bf16 is the high half of an f32: element 2j is a word's low half.
      for (int j = 0; j < 4; ++j) {
        const std::string w = "%w" + u(4 * i + j);
        line(q + "shl.b32 %r6, " + w + ", 16;");
        line(q + "mov.b32 %fb" + u(8 * i + 2 * j) + ", %r6;");
        line(q + "and.b32 %r7, " + w + ", -65536;");
        line(q + "mov.b32 %fb" + u(8 * i + 2 * j + 1) + ", %r7;");
      }
    }
    // Two accumulators: half the dependent chain.
    for (int j = 0; j < 8; ++j) {
      const std::string acc = j % 2 ? "%f4" : "%f3";
      line(q + "fma.rn.f32 " + acc + ", %fa" + u(8 * i + j) + ", %fb" +
           u(8 * i + j) + ", " + acc + ";");
    }
  }
  line("add.u64 %rd20, %rd20, " + u(256 * kUnroll) + ";");
  line("bra LOOP;");
  t += "REDUCE:\n";
  line("add.f32 %f3, %f3, %f4;");
  for (int offset = 16; offset >= 1; offset /= 2) {
    line("shfl.sync.bfly.b32 %f5, %f3, " + u(offset) + ", 31, -1;");
    line("add.f32 %f3, %f3, %f5;");
  }
  line("setp.ne.u32 %p1, %r3, 0;");
  line("@%p1 bra DONE;");
  // C[batch][row, n] = alpha * sum + beta * C (C not read if beta is 0).
  line("mul.lo.u64 %rd21, %rd16, %rd12;");
  line("mad.lo.u64 %rd21, %rd17, %rd9, %rd21;");
  line("add.u64 %rd21, %rd21, %rd13;");
  line("shl.b64 %rd21, %rd21, 2;");
  line("add.u64 %rd21, %rd1, %rd21;");
  line("mul.f32 %f6, %f3, %f1;");
  line("setp.eq.f32 %p2, %f2, 0f00000000;");
  line("@%p2 bra STORE;");
  line("ld.global.f32 %f7, [%rd21];");
  line("fma.rn.f32 %f6, %f2, %f7, %f6;");
  t += "STORE:\n";
  line("st.global.f32 [%rd21], %f6;");
  t += "DONE:\n";
  line("ret;");
  t += "}\n";
  return t;
}

bool aligned16(const void *p) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

} // namespace

std::string gemvPtx() {
  return kernel("hyb_gemv_f32_bf16", 2) + kernel("hyb_gemv_f32_f32", 4);
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
