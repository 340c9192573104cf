//===- HFConfig_test.cpp - HuggingFace config.json reader -----------------===//
//
// One test per model_type on a small realistic config.json
// (test/Frontend/Inputs/hf_<type>.json), plus inline cases for defaults and
// field spellings.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <cmath>

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;

TEST(HFConfig, SupportedTypes) {
  EXPECT_EQ(supportedHFModelTypes(),
            (std::vector<std::string>{"llama", "mistral", "mamba", "mamba2", "jamba", "bamba",
                                      "falcon_h1", "nemotron_h", "granitemoehybrid"}));
}

TEST(HFConfig, Llama) {
  ModelSpec s = load("hf_llama.json");
  EXPECT_EQ(s.format, SourceFormat::HF);
  EXPECT_EQ(s.modelType, "llama");
  EXPECT_EQ(s.vocabSize, 256);
  EXPECT_EQ(s.outputVocabSize, 256);
  EXPECT_EQ(s.hidden, 64);
  ASSERT_EQ(s.numLayers, 2);
  EXPECT_FALSE(s.tiedEmbeddings);
  const LayerSpec &l = s.layers[1];
  EXPECT_EQ(l.mixerKind(), MixerKind::Attention);
  EXPECT_EQ(l.attention()->numHeads, 4);
  EXPECT_EQ(l.attention()->numKvHeads, 2);
  EXPECT_EQ(l.attention()->headDim, 16);
  EXPECT_EQ(l.attention()->rotaryDim, 16);
  EXPECT_DOUBLE_EQ(l.attention()->ropeTheta, 500000.0); // from rope_parameters
  EXPECT_FALSE(l.attention()->ropeInterleaved);
  EXPECT_EQ(l.attention()->slidingWindow, 0);
  EXPECT_EQ(l.mixerNorm.kind, NormKind::RMS);
  EXPECT_DOUBLE_EQ(l.mixerNorm.eps, 1e-6);
  EXPECT_EQ(l.ffn.kind, FfnKind::GatedMlp);
  EXPECT_EQ(l.ffn.intermediate, 128);
  EXPECT_EQ(l.ffn.activation, Activation::Silu);

  auto sh = shapes(s);
  EXPECT_EQ(sh.size(), 21u);
  EXPECT_EQ(sh.at("model.embed_tokens.weight"), (Shape{256, 64}));
  EXPECT_EQ(sh.at("model.layers.1.self_attn.q_proj.weight"), (Shape{64, 64}));
  EXPECT_EQ(sh.at("model.layers.1.self_attn.k_proj.weight"), (Shape{32, 64}));
  EXPECT_EQ(sh.at("model.layers.1.self_attn.o_proj.weight"), (Shape{64, 64}));
  EXPECT_EQ(sh.at("model.layers.1.post_attention_layernorm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("model.layers.1.mlp.down_proj.weight"), (Shape{64, 128}));
  EXPECT_EQ(sh.at("model.norm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("lm_head.weight"), (Shape{256, 64}));
  // 2 * 256 * 64 + 64 + 2 * (2 * 64 + 64*64*2 + 32*64*2 + 3 * 128*64)
  EXPECT_EQ(s.numParams(), 106816);
}

TEST(HFConfig, LlamaBiasesAndLegacyRope) {
  ModelSpec s = parseOk(R"({"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4,
      "num_hidden_layers": 1, "intermediate_size": 32, "vocab_size": 16, "attention_bias": true,
      "mlp_bias": true, "rope_theta": 1234.0, "rope_scaling": null, "num_key_value_heads": null})");
  EXPECT_EQ(s.layers[0].attention()->numKvHeads, 4); // null -> num_attention_heads
  EXPECT_DOUBLE_EQ(s.layers[0].attention()->ropeTheta, 1234.0);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("model.layers.0.self_attn.q_proj.bias"), (Shape{64}));
  EXPECT_EQ(sh.at("model.layers.0.self_attn.o_proj.bias"), (Shape{64}));
  EXPECT_EQ(sh.at("model.layers.0.mlp.gate_proj.bias"), (Shape{32}));
  EXPECT_EQ(sh.at("model.layers.0.mlp.down_proj.bias"), (Shape{64}));
}

TEST(HFConfig, LlamaDefaultsAreTransformers) {
  ModelSpec s = parseOk(R"({"model_type": "llama"})");
  EXPECT_EQ(s.vocabSize, 32000);
  EXPECT_EQ(s.hidden, 4096);
  EXPECT_EQ(s.numLayers, 32);
  EXPECT_EQ(s.layers[0].attention()->numHeads, 32);
  EXPECT_EQ(s.layers[0].attention()->numKvHeads, 32);
  EXPECT_EQ(s.layers[0].attention()->headDim, 128);
  EXPECT_EQ(s.layers[0].ffn.intermediate, 11008);
  EXPECT_DOUBLE_EQ(s.layers[0].attention()->ropeTheta, 10000.0);
  EXPECT_DOUBLE_EQ(s.finalNorm.eps, 1e-6);
}

TEST(HFConfig, RopeParametersNestedPerLayerType) {
  ModelSpec s = parseOk(R"({"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4,
      "num_hidden_layers": 1, "rope_parameters": {"full_attention":
      {"rope_type": "default", "rope_theta": 77.0}}})");
  EXPECT_DOUBLE_EQ(s.layers[0].attention()->ropeTheta, 77.0);
}

TEST(HFConfig, LlamaRefusesPartialRotary) {
  EXPECT_EQ(parseError(R"({"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4,
      "num_hidden_layers": 1, "partial_rotary_factor": 0.5})"),
            "inline.json: field 'partial_rotary_factor': expected 1.0 (apply_rotary_pos_emb "
            "rotates whole heads) (got 0.5)");
}

TEST(HFConfig, Mistral) {
  ModelSpec s = load("hf_mistral.json");
  EXPECT_EQ(s.modelType, "mistral");
  EXPECT_TRUE(s.tiedEmbeddings);
  EXPECT_EQ(s.weightDtype, DType::BF16); // torch_dtype
  const AttentionSpec &a = *s.layers[0].attention();
  EXPECT_EQ(a.headDim, 8); // head_dim: null -> 64 / 8
  EXPECT_EQ(a.numKvHeads, 2);
  EXPECT_EQ(a.slidingWindow, 32);
  EXPECT_DOUBLE_EQ(a.ropeTheta, 1e6);
  auto sh = shapes(s);
  EXPECT_EQ(sh.count("lm_head.weight"), 0u); // tied: not saved
  EXPECT_EQ(sh.at("model.layers.1.self_attn.k_proj.weight"), (Shape{16, 64}));
  EXPECT_EQ(s.weights().front().dtype, DType::BF16);
}

TEST(HFConfig, MistralSlidingWindowDefaults) {
  ModelSpec absent = parseOk(R"({"model_type": "mistral", "hidden_size": 64,
      "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 1})");
  EXPECT_EQ(absent.layers[0].attention()->slidingWindow, 4096);
  ModelSpec none = parseOk(R"({"model_type": "mistral", "hidden_size": 64,
      "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 1,
      "sliding_window": null})");
  EXPECT_EQ(none.layers[0].attention()->slidingWindow, 0);
}

TEST(HFConfig, Mamba) {
  ModelSpec s = load("hf_mamba.json");
  EXPECT_TRUE(s.tiedEmbeddings); // MambaConfig leaves the default: tied
  EXPECT_TRUE(s.residualInFp32);
  const LayerSpec &l = s.layers[0];
  EXPECT_EQ(l.mixerKind(), MixerKind::Mamba1);
  EXPECT_EQ(l.ffn.kind, FfnKind::None);
  EXPECT_EQ(l.ffnNorm.kind, NormKind::None);
  EXPECT_EQ(std::get<Mamba1Spec>(l.mixer).dInner, 128);
  EXPECT_EQ(std::get<Mamba1Spec>(l.mixer).dState, 16);
  EXPECT_EQ(std::get<Mamba1Spec>(l.mixer).dConv, 4);
  EXPECT_EQ(std::get<Mamba1Spec>(l.mixer).dtRank, 4); // "auto" = ceil(64 / 16)
  EXPECT_FALSE(std::get<Mamba1Spec>(l.mixer).bcdtNorms);
  auto sh = shapes(s);
  EXPECT_EQ(sh.size(), 22u);
  EXPECT_EQ(sh.at("backbone.embeddings.weight"), (Shape{256, 64}));
  EXPECT_EQ(sh.at("backbone.layers.0.norm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.in_proj.weight"), (Shape{256, 64}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.conv1d.weight"), (Shape{128, 1, 4}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.conv1d.bias"), (Shape{128}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.x_proj.weight"), (Shape{36, 128}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.dt_proj.weight"), (Shape{128, 4}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.dt_proj.bias"), (Shape{128}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.A_log"), (Shape{128, 16}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.D"), (Shape{128}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.out_proj.weight"), (Shape{64, 128}));
  EXPECT_EQ(sh.at("backbone.norm_f.weight"), (Shape{64}));
  EXPECT_EQ(s.numParams(), 81856);
}

TEST(HFConfig, MambaExplicitRankAndBias) {
  ModelSpec s = parseOk(R"({"model_type": "mamba", "hidden_size": 32, "num_hidden_layers": 1,
      "vocab_size": 8, "time_step_rank": 3, "use_bias": true, "use_conv_bias": false,
      "tie_word_embeddings": false})");
  EXPECT_EQ(std::get<Mamba1Spec>(s.layers[0].mixer).dtRank, 3);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.in_proj.bias"), (Shape{128}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.out_proj.bias"), (Shape{32}));
  EXPECT_EQ(sh.count("backbone.layers.0.mixer.conv1d.bias"), 0u);
  EXPECT_EQ(sh.at("lm_head.weight"), (Shape{8, 32}));
}

TEST(HFConfig, MambaIntermediateMustMatchExpand) {
  EXPECT_EQ(parseError(R"({"model_type": "mamba", "hidden_size": 32, "expand": 2,
      "intermediate_size": 96})"),
            "inline.json: field 'intermediate_size': expected int(expand * hidden_size) = 64 "
            "(got 96)");
}

TEST(HFConfig, Mamba2) {
  ModelSpec s = load("hf_mamba2.json");
  EXPECT_FALSE(s.tiedEmbeddings);
  const Mamba2Spec &m = *s.layers[1].mamba2();
  EXPECT_EQ(s.layers[1].mixerKind(), MixerKind::Mamba2);
  EXPECT_EQ(m.nHeads, 8);
  EXPECT_EQ(m.headDim, 16);
  EXPECT_EQ(m.nGroups, 2);
  EXPECT_EQ(m.dState, 32);
  EXPECT_EQ(m.dConv, 4);
  EXPECT_EQ(m.chunkSize, 64);
  EXPECT_DOUBLE_EQ(m.dtMin, 0.0);
  EXPECT_TRUE(std::isinf(m.dtMax)); // "time_step_limit": [0.0, Infinity]
  EXPECT_TRUE(m.gatedNorm);
  EXPECT_FALSE(m.normBeforeGate);
  EXPECT_EQ(m.normGroups, 1); // MambaRMSNormGated over the whole width
  EXPECT_DOUBLE_EQ(m.normEps, 1e-5);
  auto sh = shapes(s);
  EXPECT_EQ(sh.size(), 21u);
  // [z, x, B, C, dt] = 128 + 128 + 2*2*32 + 8
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.in_proj.weight"), (Shape{392, 64}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.conv1d.weight"), (Shape{256, 1, 4}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.dt_bias"), (Shape{8}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.A_log"), (Shape{8}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.D"), (Shape{8}));
  EXPECT_EQ(sh.at("backbone.layers.0.mixer.norm.weight"), (Shape{128}));
  EXPECT_EQ(sh.at("lm_head.weight"), (Shape{256, 64}));
}

TEST(HFConfig, Jamba) {
  ModelSpec s = load("hf_jamba.json");
  ASSERT_EQ(s.numLayers, 4);
  // attn_layer_period 2, offset 1; expert_layer_period 2, offset 1
  EXPECT_EQ(s.layers[0].mixerKind(), MixerKind::Mamba1);
  EXPECT_EQ(s.layers[1].mixerKind(), MixerKind::Attention);
  EXPECT_EQ(s.layers[2].mixerKind(), MixerKind::Mamba1);
  EXPECT_EQ(s.layers[3].mixerKind(), MixerKind::Attention);
  EXPECT_EQ(s.layers[0].ffn.kind, FfnKind::GatedMlp);
  EXPECT_EQ(s.layers[1].ffn.kind, FfnKind::Moe);
  EXPECT_EQ(s.layers[1].attention()->rotaryDim, 0); // Jamba has no RoPE
  EXPECT_EQ(s.layers[1].attention()->headDim, 16);
  const MoeSpec &moe = s.layers[3].moe;
  EXPECT_EQ(moe.numExperts, 4);
  EXPECT_EQ(moe.topK, 2);
  EXPECT_EQ(moe.scoring, RouterScoring::Softmax);
  EXPECT_FALSE(moe.normTopK);
  EXPECT_EQ(moe.layout, ExpertLayout::PerExpert);
  EXPECT_EQ(moe.expert.kind, FfnKind::GatedMlp);
  EXPECT_EQ(moe.shared.kind, FfnKind::None);
  const Mamba1Spec &m = std::get<Mamba1Spec>(s.layers[2].mixer);
  EXPECT_TRUE(m.bcdtNorms);
  EXPECT_DOUBLE_EQ(m.bcdtNormEps, 1e-6);
  EXPECT_EQ(m.dtRank, 4);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("model.layers.0.mamba.dt_layernorm.weight"), (Shape{4}));
  EXPECT_EQ(sh.at("model.layers.0.mamba.b_layernorm.weight"), (Shape{16}));
  EXPECT_EQ(sh.at("model.layers.0.mamba.c_layernorm.weight"), (Shape{16}));
  EXPECT_EQ(sh.at("model.layers.0.pre_ff_layernorm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("model.layers.0.feed_forward.gate_proj.weight"), (Shape{96, 64}));
  EXPECT_EQ(sh.at("model.layers.1.feed_forward.router.weight"), (Shape{4, 64}));
  EXPECT_EQ(sh.at("model.layers.1.feed_forward.experts.3.gate_proj.weight"), (Shape{96, 64}));
  EXPECT_EQ(sh.at("model.layers.1.feed_forward.experts.3.down_proj.weight"), (Shape{64, 96}));
  EXPECT_EQ(sh.at("model.final_layernorm.weight"), (Shape{64}));
  EXPECT_EQ(sh.size(), 75u);
  EXPECT_EQ(s.numParams(), 308104);
}

TEST(HFConfig, Bamba) {
  ModelSpec s = load("hf_bamba.json");
  ASSERT_EQ(s.numLayers, 3);
  EXPECT_EQ(s.layers[0].mixerKind(), MixerKind::Mamba2);
  EXPECT_EQ(s.layers[1].mixerKind(), MixerKind::Attention);
  EXPECT_EQ(s.layers[2].mixerKind(), MixerKind::Mamba2);
  const AttentionSpec &a = *s.layers[1].attention();
  EXPECT_EQ(a.headDim, 16);
  EXPECT_EQ(a.rotaryDim, 8); // partial_rotary_factor hardcoded 0.5
  EXPECT_FALSE(a.qkvBias);
  const Mamba2Spec &m = *s.layers[0].mamba2();
  EXPECT_EQ(m.nHeads, 8);
  EXPECT_EQ(m.headDim, 16); // "auto" = 128 / 8
  EXPECT_EQ(m.nGroups, 1);
  EXPECT_EQ(m.dState, 16);
  EXPECT_EQ(m.chunkSize, 64);
  EXPECT_EQ(m.normGroups, 1);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("model.layers.0.mamba.in_proj.weight"), (Shape{296, 64}));
  EXPECT_EQ(sh.at("model.layers.0.mamba.norm.weight"), (Shape{128}));
  EXPECT_EQ(sh.at("model.layers.1.self_attn.v_proj.weight"), (Shape{32, 64}));
  EXPECT_EQ(sh.at("model.layers.2.feed_forward.up_proj.weight"), (Shape{128, 64}));
  EXPECT_EQ(sh.at("model.final_layernorm.weight"), (Shape{64}));
  EXPECT_EQ(s.numParams(), 175408);
}

TEST(HFConfig, FalconH1) {
  ModelSpec s = load("hf_falcon_h1.json");
  EXPECT_DOUBLE_EQ(s.embeddingMultiplier, 5.656854249492381);
  EXPECT_DOUBLE_EQ(s.logitsMultiplier, 0.0390625);
  const LayerSpec &l = s.layers[0];
  EXPECT_EQ(l.mixerKind(), MixerKind::Parallel);
  const AttentionSpec &a = *l.attention();
  EXPECT_EQ(a.headDim, 16);
  EXPECT_EQ(a.rotaryDim, 16);
  EXPECT_DOUBLE_EQ(a.ropeTheta, 1e11);
  EXPECT_DOUBLE_EQ(a.keyMultiplier, 0.390625);
  EXPECT_DOUBLE_EQ(a.inputMultiplier, 1.0);
  EXPECT_DOUBLE_EQ(a.outputMultiplier, 0.9375);
  const Mamba2Spec &m = *l.mamba2();
  EXPECT_EQ(m.nHeads, 6);
  EXPECT_EQ(m.headDim, 16);
  EXPECT_EQ(m.dInner(), 96); // mamba_d_ssm, not expand * hidden
  EXPECT_TRUE(m.gatedNorm);  // mamba_rms_norm
  EXPECT_FALSE(m.normBeforeGate);
  EXPECT_EQ(m.normGroups, 1);
  EXPECT_DOUBLE_EQ(m.inputMultiplier, 1.25);
  EXPECT_DOUBLE_EQ(m.outputMultiplier, 0.23570226039551587);
  EXPECT_DOUBLE_EQ(m.projMultipliers[1], 0.25);
  EXPECT_DOUBLE_EQ(m.projMultipliers[3], 0.5);
  EXPECT_DOUBLE_EQ(l.ffn.gateMultiplier, 0.8838834764831844);
  EXPECT_DOUBLE_EQ(l.ffn.downMultiplier, 0.5859375);
  auto sh = shapes(s);
  // 96 (z) + 96 + 2*16 (x, B, C) + 6 (dt)
  EXPECT_EQ(sh.at("model.layers.0.mamba.in_proj.weight"), (Shape{230, 64}));
  EXPECT_EQ(sh.at("model.layers.0.mamba.conv1d.weight"), (Shape{128, 1, 4}));
  EXPECT_EQ(sh.at("model.layers.0.mamba.norm.weight"), (Shape{96}));
  EXPECT_EQ(sh.at("model.layers.0.mamba.out_proj.weight"), (Shape{64, 96}));
  EXPECT_EQ(sh.at("model.layers.0.self_attn.q_proj.weight"), (Shape{64, 64}));
  EXPECT_EQ(sh.at("model.layers.0.feed_forward.gate_proj.weight"), (Shape{96, 64}));
  EXPECT_EQ(sh.at("model.layers.0.pre_ff_layernorm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("model.final_layernorm.weight"), (Shape{64}));
  std::vector<StateSpec> st = stateBuffers(s, 10);
  ASSERT_EQ(st.size(), 8u); // per layer: k, v, conv, ssm
  EXPECT_EQ(st[2].name, "layers.0.conv_state");
  EXPECT_EQ(st[2].shape, (Shape{128, 3}));
  EXPECT_EQ(st[3].shape, (Shape{6, 16, 16}));
}

TEST(HFConfig, FalconH1ProjectorsBiasAndNoNorm) {
  ModelSpec s = parseOk(R"({"model_type": "falcon_h1", "hidden_size": 64,
      "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 1,
      "vocab_size": 16, "intermediate_size": 32, "mamba_d_ssm": null, "mamba_n_heads": 8,
      "mamba_d_state": 8, "mamba_rms_norm": false, "projectors_bias": true,
      "mamba_proj_bias": false})");
  const Mamba2Spec &m = *s.layers[0].mamba2();
  EXPECT_EQ(m.dInner(), 128); // null d_ssm -> mamba_expand * hidden_size
  EXPECT_FALSE(m.gatedNorm);
  auto sh = shapes(s);
  EXPECT_EQ(sh.count("model.layers.0.mamba.norm.weight"), 0u);
  EXPECT_EQ(sh.count("model.layers.0.mamba.in_proj.bias"), 0u);
  EXPECT_EQ(sh.at("model.layers.0.mamba.out_proj.bias"), (Shape{64}));
}

TEST(HFConfig, NemotronH) {
  ModelSpec s = load("hf_nemotron_h.json");
  ASSERT_EQ(s.numLayers, 5);
  EXPECT_EQ(s.layers[0].mixerKind(), MixerKind::Mamba2);
  EXPECT_EQ(s.layers[1].mixerKind(), MixerKind::None);
  EXPECT_EQ(s.layers[1].ffn.kind, FfnKind::Moe);
  EXPECT_EQ(s.layers[2].mixerKind(), MixerKind::Attention);
  EXPECT_EQ(s.layers[2].ffn.kind, FfnKind::None);
  EXPECT_EQ(s.layers[3].mixerKind(), MixerKind::None);
  EXPECT_EQ(s.layers[3].ffn.kind, FfnKind::Mlp);
  EXPECT_EQ(s.layers[3].ffn.activation, Activation::Relu2);
  EXPECT_EQ(s.layers[2].attention()->rotaryDim, 0); // no RoPE
  EXPECT_EQ(s.layers[2].attention()->headDim, 16);
  const Mamba2Spec &m = *s.layers[4].mamba2();
  EXPECT_EQ(m.nHeads, 8);
  EXPECT_EQ(m.nGroups, 2);
  EXPECT_EQ(m.normGroups, 2); // group_size = intermediate / n_groups
  const MoeSpec &moe = s.layers[1].moe;
  EXPECT_EQ(moe.scoring, RouterScoring::Sigmoid);
  EXPECT_TRUE(moe.correctionBias);
  EXPECT_TRUE(moe.normTopK);
  EXPECT_DOUBLE_EQ(moe.routedScaling, 2.5);
  EXPECT_EQ(moe.expert.kind, FfnKind::Mlp);
  EXPECT_EQ(moe.expert.intermediate, 32);
  EXPECT_EQ(moe.shared.kind, FfnKind::Mlp);
  EXPECT_EQ(moe.shared.intermediate, 48);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("backbone.embeddings.weight"), (Shape{256, 64}));
  EXPECT_EQ(sh.at("backbone.layers.1.norm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("backbone.layers.1.mixer.gate.weight"), (Shape{4, 64}));
  EXPECT_EQ(sh.at("backbone.layers.1.mixer.gate.e_score_correction_bias"), (Shape{4}));
  EXPECT_EQ(sh.at("backbone.layers.1.mixer.experts.2.up_proj.weight"), (Shape{32, 64}));
  EXPECT_EQ(sh.at("backbone.layers.1.mixer.experts.2.down_proj.weight"), (Shape{64, 32}));
  EXPECT_EQ(sh.at("backbone.layers.1.mixer.shared_experts.up_proj.weight"), (Shape{48, 64}));
  EXPECT_EQ(sh.at("backbone.layers.2.mixer.q_proj.weight"), (Shape{64, 64}));
  EXPECT_EQ(sh.at("backbone.layers.3.mixer.up_proj.weight"), (Shape{128, 64}));
  EXPECT_EQ(sh.at("backbone.layers.4.mixer.in_proj.weight"), (Shape{328, 64}));
  EXPECT_EQ(sh.at("backbone.norm_f.weight"), (Shape{64}));
  for (const WeightSpec &w : s.weights()) {
    if (w.role == "moe.router.correction_bias") {
      EXPECT_EQ(w.dtype, DType::F32);
    }
  }
}

TEST(HFConfig, NemotronHPattern) {
  ModelSpec s = load("hf_nemotron_h_pattern.json");
  ASSERT_EQ(s.numLayers, 5); // "M-M*-"
  std::vector<MixerKind> mixers;
  std::vector<FfnKind> ffns;
  for (const LayerSpec &l : s.layers) {
    mixers.push_back(l.mixerKind());
    ffns.push_back(l.ffn.kind);
  }
  EXPECT_EQ(mixers, (std::vector<MixerKind>{MixerKind::Mamba2, MixerKind::None, MixerKind::Mamba2,
                                            MixerKind::Attention, MixerKind::None}));
  EXPECT_EQ(ffns, (std::vector<FfnKind>{FfnKind::None, FfnKind::Mlp, FfnKind::None, FfnKind::None,
                                        FfnKind::Mlp}));
  EXPECT_EQ(s.layers[0].mamba2()->nGroups, 4);
  EXPECT_EQ(s.layers[3].attention()->numKvHeads, 1);
}

TEST(HFConfig, NemotronHLegacyNamesAndNewTypeNames) {
  ModelSpec s = parseOk(R"({"model_type": "nemotron_h", "hidden_size": 64,
      "num_attention_heads": 4, "num_key_value_heads": 2, "mamba_num_heads": 8,
      "mamba_head_dim": 16, "ssm_state_size": 8, "vocab_size": 16,
      "layers_block_type": ["linear_attention", "full_attention"],
      "mamba_n_groups": 4, "mamba_d_conv": 3, "mamba_chunk_size": 32})");
  EXPECT_EQ(s.layers[0].mixerKind(), MixerKind::Mamba2);
  EXPECT_EQ(s.layers[1].mixerKind(), MixerKind::Attention);
  EXPECT_EQ(s.layers[1].attention()->headDim, 128); // NemotronHConfig.head_dim defaults to 128
  EXPECT_EQ(s.layers[0].mamba2()->nGroups, 4);
  EXPECT_EQ(s.layers[0].mamba2()->dConv, 3);
  EXPECT_EQ(s.layers[0].mamba2()->chunkSize, 32);
}

TEST(HFConfig, GraniteMoeHybrid) {
  ModelSpec s = load("hf_granitemoehybrid.json");
  EXPECT_TRUE(s.tiedEmbeddings);
  EXPECT_DOUBLE_EQ(s.embeddingMultiplier, 12.0);
  EXPECT_DOUBLE_EQ(s.logitsMultiplier, 0.25); // 1 / logits_scaling
  EXPECT_DOUBLE_EQ(s.residualMultiplier, 0.22);
  EXPECT_EQ(s.layers[0].mixerKind(), MixerKind::Mamba2);
  EXPECT_EQ(s.layers[1].mixerKind(), MixerKind::Attention);
  const AttentionSpec &a = *s.layers[1].attention();
  EXPECT_DOUBLE_EQ(a.softmaxScale, 0.0078125); // attention_multiplier
  EXPECT_EQ(a.rotaryDim, 0);                   // position_embedding_type "nope"
  const MoeSpec &moe = s.layers[2].moe;
  EXPECT_EQ(s.layers[2].ffn.kind, FfnKind::Moe);
  EXPECT_EQ(moe.numExperts, 4);
  EXPECT_EQ(moe.layout, ExpertLayout::Stacked);
  EXPECT_TRUE(moe.normTopK);
  EXPECT_EQ(moe.shared.kind, FfnKind::GatedMlp);
  EXPECT_TRUE(moe.shared.fusedGateUp);
  EXPECT_TRUE(moe.shared.gateFirst);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("model.layers.0.block_sparse_moe.router.layer.weight"), (Shape{4, 64}));
  EXPECT_EQ(sh.at("model.layers.0.block_sparse_moe.input_linear.weight"), (Shape{4, 64, 64}));
  EXPECT_EQ(sh.at("model.layers.0.block_sparse_moe.output_linear.weight"), (Shape{4, 64, 32}));
  EXPECT_EQ(sh.at("model.layers.0.shared_mlp.input_linear.weight"), (Shape{96, 64}));
  EXPECT_EQ(sh.at("model.layers.0.shared_mlp.output_linear.weight"), (Shape{64, 48}));
  EXPECT_EQ(sh.at("model.layers.0.post_attention_layernorm.weight"), (Shape{64}));
  EXPECT_EQ(sh.at("model.layers.0.mamba.in_proj.weight"), (Shape{296, 64}));
  EXPECT_EQ(sh.at("model.norm.weight"), (Shape{64}));
  EXPECT_EQ(sh.count("lm_head.weight"), 0u);
}

TEST(HFConfig, GraniteDenseAndRope) {
  ModelSpec s = parseOk(R"({"model_type": "granitemoehybrid", "hidden_size": 64,
      "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 16,
      "layer_types": ["attention", "mamba"], "mamba_n_heads": 8, "mamba_d_state": 8,
      "num_local_experts": 0, "shared_intermediate_size": 40,
      "position_embedding_type": "rope", "rope_theta": 5000})");
  EXPECT_EQ(s.layers[0].ffn.kind, FfnKind::GatedMlp);
  EXPECT_EQ(s.layers[0].attention()->rotaryDim, 16);
  EXPECT_DOUBLE_EQ(s.layers[0].attention()->ropeTheta, 5000.0);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("model.layers.1.shared_mlp.input_linear.weight"), (Shape{80, 64}));
  EXPECT_EQ(sh.count("model.layers.1.block_sparse_moe.router.layer.weight"), 0u);
}

TEST(HFConfig, NameFromNameOrPath) {
  ModelSpec s = parseOk(R"({"model_type": "mamba", "hidden_size": 32, "num_hidden_layers": 1,
      "vocab_size": 8, "_name_or_path": "state-spaces/mamba-130m-hf"})");
  EXPECT_EQ(s.name, "state-spaces/mamba-130m-hf");
}
