//===- ZonosConfig_test.cpp - Zonos backbone reader ----------------------===//

#include "TestUtil.h"

#include <cmath>

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;

// An empty ssm_cfg routes to zonos/backbone/_torch.py (Zonos.from_local).
TEST(ZonosConfig, Transformer) {
  ModelSpec s = load("zonos_transformer.json");
  EXPECT_TRUE(s.prefixEmbeddings);
  EXPECT_NEAR(s.frameRate, 86.13, 0.01);
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
    EXPECT_EQ(l.ffn.intermediate, 96); // FeedForward: exactly attn_mlp_d_intermediate
    EXPECT_TRUE(l.ffn.fusedGateUp);
    EXPECT_FALSE(l.ffn.gateFirst); // fc1 -> (y, gate)
  }
  const AttentionSpec &a = *s.layers[0].attention();
  EXPECT_EQ(a.numHeads, 4);
  EXPECT_EQ(a.numKvHeads, 2);
  EXPECT_EQ(a.headDim, 16);
  EXPECT_TRUE(a.fusedQkv);
  EXPECT_EQ(a.rotaryDim, 16); // the whole head, whatever rotary_emb_dim says
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
  EXPECT_EQ(sh.at("backbone.layers.2.mlp.fc1.weight"), (Shape{192, 64}));
  EXPECT_EQ(sh.at("backbone.layers.2.mlp.fc2.weight"), (Shape{64, 96}));
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

// The torch backbone reads num_heads and num_heads_kv only: every layer is
// attention (attn_layer_idx and rms_norm are not read), rotary over the whole
// head at base 10000, no biases, LayerNorms.
TEST(ZonosConfig, TorchBackboneReadsItsOwnKeys) {
  ModelSpec s = parseOk(R"({"backbone": {"d_model": 32, "n_layer": 2,
      "attn_mlp_d_intermediate": 24, "attn_layer_idx": [], "rms_norm": true,
      "attn_cfg": {"num_heads": 4, "num_heads_kv": 1, "head_dim": 16, "rotary_emb_dim": 4,
                   "rotary_emb_base": 500, "qkv_proj_bias": true, "causal": false}},
      "prefix_conditioner": {"conditioners": [], "projection": "none"}})");
  ASSERT_EQ(s.numLayers, 2);
  for (const LayerSpec &l : s.layers) {
    ASSERT_EQ(l.mixerKind(), MixerKind::Attention);
    EXPECT_EQ(l.mixerNorm.kind, NormKind::Layer);
    EXPECT_EQ(l.ffn.intermediate, 24);
  }
  const AttentionSpec &a = *s.layers[1].attention();
  EXPECT_EQ(a.headDim, 8);
  EXPECT_EQ(a.rotaryDim, 8);
  EXPECT_DOUBLE_EQ(a.ropeTheta, 10000.0);
  EXPECT_TRUE(a.ropeInterleaved);
  EXPECT_FALSE(a.qkvBias);
  EXPECT_EQ(s.finalNorm.kind, NormKind::Layer);
  EXPECT_EQ(parseError(R"({"backbone": {"d_model": 32, "n_layer": 1,
      "attn_mlp_d_intermediate": 24, "attn_cfg": {"num_heads": 4}},
      "prefix_conditioner": {"conditioners": [], "projection": "none"}})"),
            "inline.json: field 'backbone.attn_cfg.num_heads_kv': expected a positive integer "
            "(got missing)");
}

// ZonosConfig.from_dict: prefix_conditioner is required, other keys raise.
TEST(ZonosConfig, TopLevelFields) {
  const char *backbone = R"("backbone": {"d_model": 64, "n_layer": 1, "ssm_cfg": {"layer": "Mamba2"}})";
  EXPECT_EQ(parseError(std::string("{") + backbone + "}"),
            "inline.json: field 'prefix_conditioner': expected an object (Zonos "
            "PrefixConditionerConfig) (got missing)");
  EXPECT_EQ(parseError(std::string("{") + backbone +
                       R"(, "prefix_conditioner": {"conditioners": [], "projection": "conv"}})"),
            "inline.json: field 'prefix_conditioner.projection': expected \"none\", \"linear\" or "
            "\"mlp\" (got \"conv\")");
  EXPECT_EQ(parseError(std::string("{") + backbone +
                       R"(, "prefix_conditioner": {"conditioners": [], "projection": "none"},
                       "eos_token_id": 1025})"),
            "inline.json: field 'eos_token_id': expected an integer in [0, 1024] (got 1025)");
  EXPECT_EQ(parseError(std::string("{") + backbone +
                       R"(, "prefix_conditioner": {"conditioners": [], "projection": "none"},
                       "cfg_scale": 2})"),
            "inline.json: field 'cfg_scale': expected a ZonosConfig field (got an unknown key)");
}

TEST(ZonosConfig, Mamba1DefaultsAndBiases) {
  ModelSpec s = parseOk(R"({"backbone": {"d_model": 64, "n_layer": 2, "d_intermediate": 100,
      "attn_layer_idx": [1], "ssm_cfg": {"d_state": 8, "bias": true},
      "attn_cfg": {"num_heads": 4, "causal": true}},
      "prefix_conditioner": {"conditioners": [], "projection": "none"}})");
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
