//===- NativeConfig_test.cpp - hybridc's own JSON format -----------------===//

#include "TestUtil.h"

#include <cmath>

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;

TEST(NativeConfig, InterLayerHybridFromAttnLayerIdx) {
  ModelSpec s = load("native_inter.json");
  EXPECT_EQ(s.format, SourceFormat::Native);
  EXPECT_EQ(s.name, "tiny-inter-hybrid");
  EXPECT_EQ(s.stateDtype, DType::BF16);
  ASSERT_EQ(s.numLayers, 4);
  for (int i = 0; i < 4; ++i) {
    const LayerSpec &l = s.layers[i];
    EXPECT_EQ(l.mixerKind(), i == 2 ? MixerKind::Attention : MixerKind::Mamba2) << i;
    EXPECT_EQ(l.ffn.kind, FfnKind::GatedMlp) << i;
    EXPECT_EQ(l.ffn.intermediate, 128);
    EXPECT_EQ(l.mixerNorm.kind, NormKind::RMS);
  }
  const AttentionSpec &a = *s.layers[2].attention();
  EXPECT_EQ(a.numHeads, 4);
  EXPECT_EQ(a.numKvHeads, 2);
  EXPECT_EQ(a.headDim, 16);
  EXPECT_EQ(a.rotaryDim, 16);
  EXPECT_EQ(a.slidingWindow, 16); // from "attention_layer"
  EXPECT_DOUBLE_EQ(a.ropeTheta, 500000.0);
  const Mamba2Spec &m = *s.layers[0].mamba2();
  EXPECT_EQ(m.nHeads, 8); // d_inner defaults to 2 * hidden_size = 128, / head_dim 16
  EXPECT_EQ(m.dState, 16);
  EXPECT_TRUE(m.gatedNorm);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("embed.weight"), (Shape{128, 64}));
  EXPECT_EQ(sh.at("layers.2.attn.q_proj.weight"), (Shape{64, 64}));
  EXPECT_EQ(sh.at("layers.2.attn.k_proj.weight"), (Shape{32, 64}));
  EXPECT_EQ(sh.at("layers.3.mamba.in_proj.weight"), (Shape{296, 64}));
  EXPECT_EQ(sh.at("layers.3.ffn_norm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("layers.0.ffn.gate_proj.weight"), (Shape{128, 64}));
  EXPECT_EQ(sh.at("final_norm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("lm_head.weight"), (Shape{128, 64}));
}

TEST(NativeConfig, IntraLayerDiffFusion) {
  ModelSpec s = load("native_intra_diff.json");
  ASSERT_EQ(s.numLayers, 2);
  const LayerSpec &l = s.layers[0];
  EXPECT_EQ(l.mixerKind(), MixerKind::IntraHybrid);
  EXPECT_EQ(std::get<IntraHybridSpec>(l.mixer).fusion, Fusion::Diff);
  EXPECT_FALSE(std::get<IntraHybridSpec>(l.mixer).sharedOutProj);
  EXPECT_EQ(std::get<IntraHybridSpec>(l.mixer).branchNorm, NormKind::RMS);
  EXPECT_TRUE(std::get<IntraHybridSpec>(l.mixer).groupNorm);
  EXPECT_EQ(l.attention()->numHeads, 2); // attn_ratio 0.5 of 4 heads
  EXPECT_EQ(l.attention()->numKvHeads, 1);
  EXPECT_EQ(l.attention()->headDim, 16);
  EXPECT_EQ(l.mamba2()->nHeads, 2);
  EXPECT_EQ(l.mamba2()->headDim, 16);
  EXPECT_FALSE(l.mamba2()->gatedNorm); // the branch norm normalizes
  EXPECT_EQ(s.layers[1].attention()->numKvHeads, 2);
  EXPECT_EQ(s.layers[1].attention()->slidingWindow, 8);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("layers.0.attn.q_proj.weight"), (Shape{32, 64}));
  EXPECT_EQ(sh.at("layers.0.attn.k_proj.weight"), (Shape{16, 64}));
  EXPECT_EQ(sh.at("layers.0.attn.o_proj.weight"), (Shape{64, 32}));
  EXPECT_EQ(sh.at("layers.0.mamba.in_proj.weight"), (Shape{2 * 32 + 2 * 16 + 2, 64}));
  EXPECT_EQ(sh.at("layers.0.mamba.out_proj.weight"), (Shape{64, 32}));
  EXPECT_EQ(sh.at("layers.0.intra.attn_norm.weight"), (Shape{32}));
  EXPECT_EQ(sh.at("layers.0.intra.ssm_norm.weight"), (Shape{32}));
  EXPECT_EQ(sh.count("layers.0.intra.out_proj.weight"), 0u);
  EXPECT_EQ(sh.count("layers.0.mamba.norm.weight"), 0u);
  std::vector<StateSpec> st = stateBuffers(s, 20);
  ASSERT_EQ(st.size(), 8u);
  EXPECT_EQ(st[0].name, "layers.0.k_cache");
  EXPECT_EQ(st[0].shape, (Shape{20, 1, 16}));
  EXPECT_EQ(st[2].name, "layers.0.conv_state");
  EXPECT_EQ(st[2].shape, (Shape{32 + 2 * 16, 3}));
  EXPECT_EQ(st[3].shape, (Shape{2, 16, 16}));
}

TEST(NativeConfig, IntraLayerConcatFusionSharedProjection) {
  ModelSpec s = load("native_intra_concat.json");
  const LayerSpec &l = s.layers[1];
  EXPECT_EQ(std::get<IntraHybridSpec>(l.mixer).fusion, Fusion::Concat);
  EXPECT_TRUE(std::get<IntraHybridSpec>(l.mixer).sharedOutProj);
  EXPECT_FALSE(std::get<IntraHybridSpec>(l.mixer).groupNorm);
  EXPECT_DOUBLE_EQ(std::get<IntraHybridSpec>(l.mixer).ssmMultiplier, 0.5);
  EXPECT_EQ(l.attention()->numHeads, 1);
  EXPECT_EQ(l.mamba2()->nHeads, 3);
  EXPECT_EQ(l.ffn.kind, FfnKind::Mlp);
  EXPECT_EQ(l.ffn.activation, Activation::Gelu);
  EXPECT_TRUE(s.tiedEmbeddings);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("layers.1.intra.out_proj.weight"), (Shape{64, 16 + 48}));
  EXPECT_EQ(sh.count("layers.1.attn.o_proj.weight"), 0u);
  EXPECT_EQ(sh.count("layers.1.mamba.out_proj.weight"), 0u);
  EXPECT_EQ(sh.at("layers.1.ffn.up_proj.weight"), (Shape{96, 64}));
  EXPECT_EQ(sh.count("layers.1.ffn.gate_proj.weight"), 0u);
  EXPECT_EQ(sh.count("lm_head.weight"), 0u);
}

TEST(NativeConfig, ParallelLayers) {
  ModelSpec s = load("native_parallel.json");
  EXPECT_DOUBLE_EQ(s.embeddingMultiplier, 2.0);
  EXPECT_DOUBLE_EQ(s.logitsMultiplier, 0.25);
  const LayerSpec &l = s.layers[0];
  EXPECT_EQ(l.mixerKind(), MixerKind::Parallel);
  EXPECT_DOUBLE_EQ(l.attention()->keyMultiplier, 0.5);
  EXPECT_DOUBLE_EQ(l.attention()->outputMultiplier, 0.75);
  EXPECT_DOUBLE_EQ(l.mamba2()->inputMultiplier, 1.25);
  EXPECT_DOUBLE_EQ(l.mamba2()->projMultipliers[4], 0.25);
  EXPECT_DOUBLE_EQ(l.mamba2()->outputMultiplier, 0.5);
  EXPECT_TRUE(l.mamba2()->normBeforeGate);
  EXPECT_DOUBLE_EQ(l.ffn.gateMultiplier, 0.5);
  EXPECT_DOUBLE_EQ(l.ffn.downMultiplier, 2.0);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("layers.1.attn.o_proj.weight"), (Shape{64, 64}));
  EXPECT_EQ(sh.at("layers.1.mamba.out_proj.weight"), (Shape{64, 64}));
  EXPECT_EQ(sh.at("layers.1.mamba.norm.weight"), (Shape{64}));
}

TEST(NativeConfig, MoeLayers) {
  ModelSpec s = load("native_moe.json");
  ASSERT_EQ(s.numLayers, 4);
  EXPECT_EQ(s.layers[0].mixerKind(), MixerKind::Mamba1);
  EXPECT_TRUE(std::get<Mamba1Spec>(s.layers[0].mixer).bcdtNorms);
  EXPECT_EQ(s.layers[0].moe.layout, ExpertLayout::PerExpert);
  const MoeSpec &m = s.layers[1].moe;
  EXPECT_EQ(m.numExperts, 8);
  EXPECT_EQ(m.scoring, RouterScoring::Sigmoid);
  EXPECT_TRUE(m.correctionBias);
  EXPECT_EQ(m.nGroup, 2);
  EXPECT_EQ(m.layout, ExpertLayout::Stacked);
  EXPECT_EQ(m.shared.kind, FfnKind::GatedMlp);
  EXPECT_EQ(m.shared.intermediate, 48);
  EXPECT_EQ(s.layers[2].mixerKind(), MixerKind::None);
  EXPECT_EQ(s.layers[2].mixerNorm.kind, NormKind::None);
  EXPECT_EQ(s.layers[2].moe.expert.kind, FfnKind::Mlp);
  EXPECT_EQ(s.layers[2].moe.expert.activation, Activation::Relu2);
  EXPECT_EQ(s.layers[3].ffn.kind, FfnKind::Mlp);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("layers.0.moe.router.weight"), (Shape{4, 64}));
  EXPECT_EQ(sh.at("layers.0.moe.experts.3.gate_proj.weight"), (Shape{32, 64}));
  EXPECT_EQ(sh.at("layers.0.moe.experts.3.down_proj.weight"), (Shape{64, 32}));
  EXPECT_EQ(sh.at("layers.1.attn.q_proj.bias"), (Shape{64}));
  EXPECT_EQ(sh.at("layers.1.moe.router.correction_bias"), (Shape{8}));
  EXPECT_EQ(sh.at("layers.1.moe.experts.gate_up_proj"), (Shape{8, 64, 64}));
  EXPECT_EQ(sh.at("layers.1.moe.experts.down_proj"), (Shape{8, 64, 32}));
  EXPECT_EQ(sh.at("layers.1.moe.shared.gate_proj.weight"), (Shape{48, 64}));
  EXPECT_EQ(sh.at("layers.2.moe.experts.up_proj"), (Shape{4, 16, 64}));
  EXPECT_EQ(sh.at("layers.2.ffn_norm.weight"), (Shape{64}));
  EXPECT_EQ(sh.count("layers.2.mixer_norm.weight"), 0u);
  EXPECT_EQ(sh.at("layers.3.ffn.up_proj.weight"), (Shape{64, 64}));
}

TEST(NativeConfig, ExplicitLayerListWithNorms) {
  ModelSpec s = parseOk(R"({"format": "hybridc", "vocab_size": 8, "hidden_size": 16,
      "norm": {"kind": "layer", "eps": 1e-6},
      "final_norm": {"kind": "rms"},
      "layers": [{"kind": "attention", "attention": {"num_heads": 2, "rotary_dim": 4,
                  "rope_interleaved": true, "fused_qkv": true, "qkv_bias": true,
                  "softmax_scale": 0.125}}]})");
  const LayerSpec &l = s.layers[0];
  EXPECT_EQ(l.mixerNorm.kind, NormKind::Layer);
  EXPECT_TRUE(l.mixerNorm.bias);
  EXPECT_DOUBLE_EQ(l.mixerNorm.eps, 1e-6);
  EXPECT_EQ(s.finalNorm.kind, NormKind::RMS);
  EXPECT_FALSE(s.finalNorm.bias);
  EXPECT_EQ(l.attention()->rotaryDim, 4);
  EXPECT_TRUE(l.attention()->ropeInterleaved);
  EXPECT_DOUBLE_EQ(l.attention()->softmaxScale, 0.125);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("layers.0.attn.qkv_proj.weight"), (Shape{48, 16}));
  EXPECT_EQ(sh.at("layers.0.attn.qkv_proj.bias"), (Shape{48}));
  EXPECT_EQ(sh.at("layers.0.mixer_norm.bias"), (Shape{16}));
  EXPECT_EQ(sh.count("final_norm.bias"), 0u);
}

TEST(NativeConfig, LayerDefaultsCanBeRemovedWithNull) {
  ModelSpec s = parseOk(R"({"format": "hybridc", "vocab_size": 8, "hidden_size": 16,
      "layer_defaults": {"ffn": {"intermediate_size": 32}},
      "layers": [{"kind": "mamba1"}, {"kind": "mamba1", "ffn": null}]})");
  EXPECT_EQ(s.layers[0].ffn.kind, FfnKind::GatedMlp);
  EXPECT_EQ(s.layers[1].ffn.kind, FfnKind::None);
  EXPECT_EQ(s.layers[1].ffnNorm.kind, NormKind::None);
}

TEST(NativeConfig, Codebooks) {
  ModelSpec s = parseOk(R"({"format": "hybridc", "vocab_size": 10, "output_vocab_size": 9,
      "hidden_size": 16, "num_codebooks": 3, "layers": [{"kind": "mamba2",
      "mamba2": {"head_dim": 8, "d_state": 4}}]})");
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("embed.2.weight"), (Shape{10, 16}));
  EXPECT_EQ(sh.at("lm_head.2.weight"), (Shape{9, 16}));
  EXPECT_EQ(sh.count("embed.weight"), 0u);
}

TEST(NativeConfig, NumLayersMustMatchList) {
  EXPECT_EQ(parseError(R"({"format": "hybridc", "vocab_size": 8, "hidden_size": 16,
      "num_layers": 3, "layers": [{"kind": "mamba1"}]})"),
            "inline.json: field 'num_layers': expected the number of entries in layers (1) "
            "(got 3)");
}

TEST(NativeConfig, IntraSplitMustAgreeWithBranches) {
  EXPECT_EQ(parseError(R"({"format": "hybridc", "vocab_size": 8, "hidden_size": 64,
      "layers": [{"kind": "intra", "intra": {"num_heads": 4, "head_dim": 16, "attn_heads": 2},
                  "attention": {"num_heads": 3}}]})"),
            "inline.json: field 'layers[0].attention.num_heads': expected the intra.attn_heads "
            "split (2) (got 3)");
}
