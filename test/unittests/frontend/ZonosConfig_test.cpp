//===- ZonosConfig_test.cpp - Zonos backbone reader ----------------------===//

#include "TestUtil.h"

#include <cmath>

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;

TEST(ZonosConfig, Transformer) {
  ModelSpec s = load("zonos_transformer.json");
  EXPECT_EQ(s.format, SourceFormat::Zonos);
  EXPECT_EQ(s.numCodebooks, 9);
  EXPECT_EQ(s.vocabSize, 1026);
  EXPECT_EQ(s.outputVocabSize, 1025);
  ASSERT_EQ(s.numLayers, 3);
  for (const LayerSpec &l : s.layers) {
    EXPECT_EQ(l.mixerKind(), MixerKind::Attention);
    EXPECT_EQ(l.mixerNorm.kind, NormKind::Layer);
    EXPECT_TRUE(l.mixerNorm.bias);
    EXPECT_EQ(l.ffn.kind, FfnKind::GatedMlp);
    EXPECT_EQ(l.ffn.intermediate, 128); // GatedMLP rounds 96 up to a multiple of 128
    EXPECT_TRUE(l.ffn.fusedGateUp);
    EXPECT_FALSE(l.ffn.gateFirst); // fc1 -> (y, gate)
  }
  const AttentionSpec &a = *s.layers[0].attention();
  EXPECT_EQ(a.numHeads, 4);
  EXPECT_EQ(a.numKvHeads, 2);
  EXPECT_EQ(a.headDim, 16);
  EXPECT_TRUE(a.fusedQkv);
  EXPECT_EQ(a.rotaryDim, 16);
  EXPECT_TRUE(a.ropeInterleaved);
  EXPECT_DOUBLE_EQ(a.ropeTheta, 10000.0);
  EXPECT_FALSE(a.qkvBias);
  EXPECT_EQ(s.finalNorm.kind, NormKind::Layer);
  EXPECT_TRUE(s.finalNorm.bias);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("embeddings.0.weight"), (Shape{1026, 64}));
  EXPECT_EQ(sh.at("embeddings.8.weight"), (Shape{1026, 64}));
  EXPECT_EQ(sh.at("backbone.layers.2.norm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("backbone.layers.2.norm.bias"), (Shape{64}));
  EXPECT_EQ(sh.at("backbone.layers.2.mixer.in_proj.weight"), (Shape{(4 + 2 * 2) * 16, 64}));
  EXPECT_EQ(sh.at("backbone.layers.2.mixer.out_proj.weight"), (Shape{64, 64}));
  EXPECT_EQ(sh.at("backbone.layers.2.norm2.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("backbone.layers.2.mlp.fc1.weight"), (Shape{256, 64}));
  EXPECT_EQ(sh.at("backbone.layers.2.mlp.fc2.weight"), (Shape{64, 128}));
  EXPECT_EQ(sh.at("backbone.norm_f.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("backbone.norm_f.bias"), (Shape{64}));
  EXPECT_EQ(sh.at("heads.8.weight"), (Shape{1025, 64}));
  EXPECT_EQ(sh.size(), 9u + 3 * 8 + 2 + 9);
}

TEST(ZonosConfig, HybridMamba2) {
  ModelSpec s = load("zonos_hybrid.json");
  ASSERT_EQ(s.numLayers, 4);
  EXPECT_TRUE(s.residualInFp32);
  EXPECT_EQ(s.layers[1].mixerKind(), MixerKind::Attention);
  EXPECT_EQ(s.layers[1].ffn.kind, FfnKind::GatedMlp);
  for (int i : {0, 2, 3}) {
    const LayerSpec &l = s.layers[i];
    EXPECT_EQ(l.mixerKind(), MixerKind::Mamba2);
    EXPECT_EQ(l.ffn.kind, FfnKind::None); // d_intermediate 0: no MLP, no norm2
    EXPECT_EQ(l.mixerNorm.kind, NormKind::RMS);
    EXPECT_FALSE(l.mixerNorm.bias);
  }
  const Mamba2Spec &m = *s.layers[0].mamba2();
  EXPECT_EQ(m.nHeads, 8); // 2 * 64 / headdim 16
  EXPECT_EQ(m.headDim, 16);
  EXPECT_EQ(m.dState, 16);
  EXPECT_EQ(m.nGroups, 1);
  EXPECT_EQ(m.chunkSize, 64);
  EXPECT_EQ(m.normGroups, 1);
  EXPECT_DOUBLE_EQ(m.normEps, 1e-5);
  EXPECT_TRUE(std::isinf(m.dtMax));
  // rms_norm: RMS norms, but norm_f is an nn.LayerNorm and keeps its bias.
  EXPECT_EQ(s.finalNorm.kind, NormKind::RMS);
  EXPECT_TRUE(s.finalNorm.bias);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.in_proj.weight"), (Shape{2 * 128 + 2 * 16 + 8, 64}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.conv1d.weight"), (Shape{160, 1, 4}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.norm.weight"), (Shape{128}));
  EXPECT_EQ(sh.count("backbone.layers.0.norm2.weight"), 0u);
  EXPECT_EQ(sh.count("backbone.layers.0.norm.bias"), 0u);
  EXPECT_EQ(sh.at("backbone.layers.1.mixer.in_proj.weight"), (Shape{(4 + 2) * 16, 64}));
  std::vector<StateSpec> st = stateBuffers(s, 64);
  ASSERT_EQ(st.size(), 8u);
  EXPECT_EQ(st[2].name, "layers.1.k_cache");
  EXPECT_EQ(st[2].shape, (Shape{64, 1, 16}));
  EXPECT_EQ(st[4].name, "layers.2.conv_state");
  EXPECT_EQ(st[4].shape, (Shape{160, 3}));
  EXPECT_EQ(st[5].shape, (Shape{8, 16, 16}));
}

TEST(ZonosConfig, Mamba1DefaultsAndBiases) {
  ModelSpec s = parseOk(R"({"backbone": {"d_model": 64, "n_layer": 2, "d_intermediate": 100,
      "attn_layer_idx": [1], "ssm_cfg": {"d_state": 8, "bias": true},
      "attn_cfg": {"num_heads": 4, "causal": true}}})");
  EXPECT_EQ(s.layers[0].mixerKind(), MixerKind::Mamba1);
  EXPECT_EQ(std::get<Mamba1Spec>(s.layers[0].mixer).dState, 8);
  EXPECT_EQ(std::get<Mamba1Spec>(s.layers[0].mixer).dInner, 128);
  EXPECT_EQ(std::get<Mamba1Spec>(s.layers[0].mixer).dtRank, 4);
  EXPECT_EQ(s.layers[0].ffn.intermediate, 128); // d_intermediate 100 -> 128
  EXPECT_EQ(s.layers[1].ffn.kind, FfnKind::None); // attn_mlp_d_intermediate 0
  // mamba_ssm MHA defaults: qkv_proj_bias and out_proj_bias are True.
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("backbone.layers.1.mixer.in_proj.bias"), (Shape{192}));
  EXPECT_EQ(sh.at("backbone.layers.1.mixer.out_proj.bias"), (Shape{64}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.in_proj.bias"), (Shape{256}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.x_proj.weight"), (Shape{4 + 16, 128}));
}

TEST(ZonosConfig, UnsupportedMamba2Options) {
  EXPECT_EQ(parseError(R"({"backbone": {"d_model": 64, "n_layer": 1,
      "ssm_cfg": {"layer": "Mamba2", "d_ssm": 64}}})"),
            "inline.json: field 'backbone.ssm_cfg.d_ssm': expected null or expand * d_model "
            "(128); a gated MLP beside the SSM is not supported (got 64)");
  EXPECT_EQ(parseError(R"({"backbone": {"d_model": 64, "n_layer": 1,
      "ssm_cfg": {"layer": "Mamba2", "D_has_hdim": true}}})"),
            "inline.json: field 'backbone.ssm_cfg.D_has_hdim': expected false (a per-channel D "
            "is not supported) (got true)");
}
