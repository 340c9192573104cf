//===- Report_test.cpp - --report numbers checked by hand ----------------===//
//
// test/Frontend/Inputs/native_report.json at N = 8 (H = 8, V = 10):
//
// layer 0, attention (2 heads, 1 kv head, head_dim 4, window 3) + gated FFN 16
//   params  norms 8+8, q 64, k 32, v 32, o 64, gate/up/down 3*128      = 592
//   linear  q 2*8*8 + k,v 2*(2*8*4) + o 2*8*8 = 384; FFN 6*8*16 = 768
//   core    4*2*4 = 32 per key; prefill ctx (1+2+3+3+3+3+3+3)/8 = 21/8
//           -> 84; decode ctx min(8, 3) = 3 -> 96
//   flops   prefill 384+84+768 = 1236, decode 384+96+768 = 1248
//   state   k, v [8, 1, 4] f32 = 2 * 128                                 = 256
// layer 1, mamba2 (2 heads x 4, 1 group, d_state 4, d_conv 4, E = 8)
//   params  norm 8, in_proj [2*8+2*4+2 = 26, 8] 208, conv [16,1,4] 64 + 16,
//           dt_bias/A_log/D 6, gated norm 8, out_proj 64                = 374
//   flops   in_proj 416, conv 2*16*4 = 128,
//           scan 5*8*4 + 2*4 + 2 + 2*8 = 186, out_proj 128              = 858
//   state   conv [16, 3] 192 B + ssm [2, 4, 4] 128 B                     = 320
// layer 2, mamba1 (d_inner 16, d_state 2, d_conv 3, dt_rank 1)
//   params  norm 8, in_proj 256, conv 48 + 16, x_proj [5,16] 80,
//           dt_proj 16 + 16, A_log 32, D 16, out_proj 128               = 616
//   flops   in_proj 512, conv 96, x_proj 160, dt_proj 32,
//           scan 6*16*2 + 3*16 = 240, out_proj 256                      = 1296
//   state   conv [16, 2] 128 B + ssm [16, 2] 128 B                       = 256
// embed 80; head: norm 8 + lm_head 80 = 88 params, 2*8*10 = 160 flops.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "frontend/Report.h"

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;

TEST(Report, HandCountedSmallModel) {
  ModelSpec s = load("native_report.json");
  ModelReport r = computeReport(s, 8);
  ASSERT_EQ(r.rows.size(), 5u);
  EXPECT_EQ(r.rows[0].label, "embed");
  EXPECT_EQ(r.rows[0].params, 80);
  EXPECT_EQ(r.rows[0].prefillFlops, 0);

  EXPECT_EQ(r.rows[1].kind, "attention+gated");
  EXPECT_EQ(r.rows[1].params, 592);
  EXPECT_DOUBLE_EQ(r.rows[1].prefillFlops, 1236);
  EXPECT_DOUBLE_EQ(r.rows[1].decodeFlops, 1248);
  EXPECT_EQ(r.rows[1].stateBytes, 256);

  EXPECT_EQ(r.rows[2].kind, "mamba2");
  EXPECT_EQ(r.rows[2].params, 374);
  EXPECT_DOUBLE_EQ(r.rows[2].prefillFlops, 858);
  EXPECT_DOUBLE_EQ(r.rows[2].decodeFlops, 858);
  EXPECT_EQ(r.rows[2].stateBytes, 320);

  EXPECT_EQ(r.rows[3].kind, "mamba1");
  EXPECT_EQ(r.rows[3].params, 616);
  EXPECT_DOUBLE_EQ(r.rows[3].prefillFlops, 1296);
  EXPECT_EQ(r.rows[3].stateBytes, 256);

  EXPECT_EQ(r.rows[4].label, "head");
  EXPECT_EQ(r.rows[4].params, 88);
  EXPECT_DOUBLE_EQ(r.rows[4].decodeFlops, 160);

  EXPECT_EQ(r.total.params, 1750);
  EXPECT_EQ(r.total.params, s.numParams());
  EXPECT_DOUBLE_EQ(r.total.prefillFlops, 3550);
  EXPECT_DOUBLE_EQ(r.total.decodeFlops, 3562);
  EXPECT_EQ(r.total.stateBytes, 832);
}

TEST(Report, FullCausalContextAndStateDtype) {
  // No window: prefill averages (N + 1) / 2 keys, decode sees N.
  ModelSpec s = load("native_inter.json"); // bf16 state
  ModelReport r = computeReport(s, 32);
  const ReportRow &attn = r.rows[3]; // layer 2
  EXPECT_EQ(attn.label, "2");
  // window 16 < 32: prefill ctx (16*17/2 + 16*16)/32 = 12.25, decode 16
  double perKey = 4.0 * 4 * 16;
  EXPECT_DOUBLE_EQ(attn.decodeFlops - attn.prefillFlops, perKey * (16 - 12.25));
  EXPECT_EQ(attn.stateBytes, 2 * 32 * 2 * 16 * 2);
  ModelReport llama = computeReport(load("hf_llama.json"), 32);
  EXPECT_DOUBLE_EQ(llama.rows[1].decodeFlops - llama.rows[1].prefillFlops,
                   4.0 * 4 * 16 * (32 - 16.5));
}

TEST(Report, TextAndJson) {
  ModelSpec s = load("native_report.json");
  ModelReport r = computeReport(s, 8);
  std::string text = reportToText(r);
  EXPECT_NE(text.find("model report-check, sequence length 8, state dtype f32"), std::string::npos);
  EXPECT_NE(text.find("attention+gated"), std::string::npos);
  EXPECT_NE(text.find("total"), std::string::npos);
  EXPECT_NE(text.find("1750"), std::string::npos);
  EXPECT_NE(text.find("3550"), std::string::npos);
  nlohmann::json j = reportToJson(r);
  EXPECT_EQ(j["seq_len"], 8);
  EXPECT_EQ(j["layers"].size(), 5u);
  EXPECT_EQ(j["layers"][2]["params"], 374);
  EXPECT_EQ(j["total"]["state_bytes"], 832);
  EXPECT_DOUBLE_EQ(j["total"]["prefill_flops_per_token"].get<double>(), 3550);
}

TEST(Report, TiedHeadAndCodebooks) {
  ModelSpec s = load("zonos_transformer.json");
  ModelReport r = computeReport(s, 4);
  EXPECT_EQ(r.rows.front().params, 9 * 1026 * 64);
  EXPECT_DOUBLE_EQ(r.rows.back().prefillFlops, 9 * 2.0 * 64 * 1025);
  ModelSpec tied = load("hf_mamba.json");
  ModelReport rt = computeReport(tied, 4);
  EXPECT_EQ(rt.rows.back().params, 64); // only the final norm: lm_head is embed
  EXPECT_DOUBLE_EQ(rt.rows.back().decodeFlops, 2.0 * 64 * 256);
}
