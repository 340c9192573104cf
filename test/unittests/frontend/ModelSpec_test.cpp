//===- ModelSpec_test.cpp - weights(), stateBuffers(), validate() --------===//

#include "TestUtil.h"

#include <set>

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;

namespace {

const std::vector<std::string> kAllInputs = {
    "hf_llama.json",         "hf_mistral.json",           "hf_mamba.json",
    "hf_mamba2.json",        "hf_jamba.json",             "hf_bamba.json",
    "hf_falcon_h1.json",     "hf_nemotron_h.json",        "hf_nemotron_h_pattern.json",
    "hf_granitemoehybrid.json", "zonos_transformer.json", "zonos_hybrid.json",
    "native_inter.json",     "native_intra_diff.json",    "native_intra_concat.json",
    "native_parallel.json",  "native_moe.json",           "native_report.json"};

// A small valid spec built by hand: one attention layer with a gated MLP.
ModelSpec tinySpec() {
  ModelSpec s;
  s.sourceFile = "tiny";
  s.vocabSize = s.outputVocabSize = 10;
  s.hidden = 8;
  s.numLayers = 1;
  s.finalNorm = {NormKind::RMS, 1e-5, false};
  LayerSpec l;
  l.mixer = AttentionSpec();
  l.mixerNorm = {NormKind::RMS, 1e-5, false};
  l.attention()->numHeads = 2;
  l.attention()->numKvHeads = 1;
  l.attention()->headDim = 4;
  l.attention()->rotaryDim = 4;
  l.ffnNorm = {NormKind::RMS, 1e-5, false};
  l.ffn.kind = FfnKind::GatedMlp;
  l.ffn.intermediate = 16;
  s.layers.push_back(l);
  return s;
}

std::string validateMessage(const ModelSpec &s) {
  std::optional<ConfigError> e = s.validate();
  return e ? e->message() : "valid";
}

} // namespace

TEST(ModelSpec, EveryInputLoadsAndParamsAreTheSumOfWeights) {
  for (const std::string &name : kAllInputs) {
    ModelSpec s = load(name);
    int64_t sum = 0;
    for (const WeightSpec &w : s.weights())
      sum += w.numel();
    EXPECT_EQ(sum, s.numParams()) << name;
    EXPECT_FALSE(s.validate().has_value()) << name;
  }
}

TEST(ModelSpec, CheckpointNamesAreUniqueAndFullyTranslated) {
  for (const std::string &name : kAllInputs) {
    ModelSpec s = load(name);
    std::set<std::string> seen;
    for (const WeightSpec &w : s.weights()) {
      EXPECT_TRUE(seen.insert(w.name).second) << name << ": duplicate " << w.name;
      if (s.naming == WeightNaming::Native) {
        std::string expected = w.layer < 0 ? w.role : "layers." + std::to_string(w.layer) + "." + w.role;
        EXPECT_EQ(w.name, expected);
        continue;
      }
      // No native role spelling may leak into an HF or Zonos name.
      for (const char *token : {"mixer_norm", "ffn_norm", "final_norm", ".attn.", ".ffn.",
                                ".moe.", ".intra.", "embed.weight"})
        EXPECT_EQ(w.name.find(token), std::string::npos) << name << ": " << w.name;
      if (s.naming == WeightNaming::Mamba || s.naming == WeightNaming::NemotronH ||
          s.naming == WeightNaming::Zonos) {
        EXPECT_EQ(w.name.find(".mamba."), std::string::npos) << name << ": " << w.name;
      }
      if (w.layer >= 0) {
        std::string prefix = s.naming == WeightNaming::Mamba || s.naming == WeightNaming::NemotronH ||
                                     s.naming == WeightNaming::Zonos
                                 ? "backbone.layers."
                                 : "model.layers.";
        EXPECT_EQ(w.name.rfind(prefix + std::to_string(w.layer) + ".", 0), 0u)
            << name << ": " << w.name;
      }
    }
  }
}

TEST(ModelSpec, LayerWeightsSplitByLayer) {
  ModelSpec s = load("hf_llama.json");
  std::vector<WeightSpec> globals = s.layerWeights(-1);
  ASSERT_EQ(globals.size(), 3u);
  EXPECT_EQ(globals[0].role, "embed.weight");
  EXPECT_EQ(globals[1].role, "final_norm.weight");
  EXPECT_EQ(globals[2].role, "lm_head.weight");
  std::vector<WeightSpec> l1 = s.layerWeights(1);
  ASSERT_EQ(l1.size(), 9u);
  for (const WeightSpec &w : l1)
    EXPECT_EQ(w.layer, 1);
  EXPECT_EQ(s.weightName("attn.q_proj.weight", 7), "model.layers.7.self_attn.q_proj.weight");
}

TEST(ModelSpec, StateBuffersPerKind) {
  ModelSpec s = load("native_inter.json");
  std::vector<StateSpec> st = stateBuffers(s, 100);
  ASSERT_EQ(st.size(), 8u);
  std::vector<std::string> names;
  for (const StateSpec &x : st)
    names.push_back(x.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "layers.0.conv_state", "layers.0.ssm_state", "layers.1.conv_state",
                       "layers.1.ssm_state", "layers.2.k_cache", "layers.2.v_cache",
                       "layers.3.conv_state", "layers.3.ssm_state"}));
  EXPECT_EQ(st[0].shape, (Shape{128 + 2 * 16, 3}));
  EXPECT_EQ(st[1].shape, (Shape{8, 16, 16}));
  // Sliding-window layers still get the full length.
  EXPECT_EQ(st[4].shape, (Shape{100, 2, 16}));
  EXPECT_EQ(st[4].kind, "k_cache");
  EXPECT_EQ(st[4].layer, 2);
  EXPECT_EQ(st[4].dtype, DType::BF16);
  EXPECT_EQ(st[4].bytes(), 100 * 2 * 16 * 2);

  ModelSpec m1 = load("hf_mamba.json");
  std::vector<StateSpec> s1 = stateBuffers(m1, 5);
  ASSERT_EQ(s1.size(), 4u);
  EXPECT_EQ(s1[0].shape, (Shape{128, 3}));
  EXPECT_EQ(s1[1].shape, (Shape{128, 16}));
}

TEST(ModelSpec, TinySpecIsValid) {
  ModelSpec s = tinySpec();
  EXPECT_EQ(validateMessage(s), "valid");
  EXPECT_EQ(s.numParams(), 80 + 8 + 64 + 32 + 32 + 64 + 8 + 3 * 128 + 8 + 80);
}

TEST(ModelSpec, ValidateCatchesContradictions) {
  {
    ModelSpec s = tinySpec();
    s.layers[0].attention()->numKvHeads = 3;
    EXPECT_EQ(validateMessage(s), "tiny: field 'layers[0].attention.num_kv_heads': expected a "
                                  "divisor of num_heads (2) (got 3)");
  }
  {
    ModelSpec s = tinySpec();
    s.layers[0].attention()->rotaryDim = 3;
    EXPECT_EQ(validateMessage(s), "tiny: field 'layers[0].attention.rotary_dim': expected an "
                                  "even number in [0, head_dim = 4] (got 3)");
  }
  {
    ModelSpec s = tinySpec();
    s.layers[0].mixerNorm.kind = NormKind::None;
    EXPECT_EQ(validateMessage(s),
              "tiny: field 'layers[0].mixer_norm.kind': expected rms or layer (got none)");
  }
  {
    ModelSpec s = tinySpec();
    s.numLayers = 2;
    EXPECT_EQ(validateMessage(s), "tiny: field 'layers': expected num_layers (2) entries (got 1)");
  }
  {
    ModelSpec s = tinySpec();
    s.layers[0].ffn.kind = FfnKind::Moe;
    s.layers[0].moe.numExperts = 4;
    s.layers[0].moe.topK = 5;
    s.layers[0].moe.expert = s.layers[0].ffn;
    s.layers[0].moe.expert.kind = FfnKind::GatedMlp;
    EXPECT_EQ(validateMessage(s),
              "tiny: field 'layers[0].ffn.top_k': expected an integer in [1, 4] (got 5)");
  }
  {
    ModelSpec s = tinySpec();
    LayerSpec &l = s.layers[0];
    l.mixer = Mamba2Spec();
    l.mamba2()->nHeads = 4;
    l.mamba2()->headDim = 4;
    l.mamba2()->dState = 8;
    l.mamba2()->nGroups = 3;
    EXPECT_EQ(validateMessage(s),
              "tiny: field 'layers[0].mamba2.n_groups': expected a divisor of num_heads (4) "
              "(got 3)");
  }
  {
    ModelSpec s = tinySpec();
    s.tiedEmbeddings = true;
    s.outputVocabSize = 9;
    EXPECT_EQ(validateMessage(s), "tiny: field 'tie_embeddings': expected false when "
                                  "output_vocab_size != vocab_size (got true)");
  }
  {
    ModelSpec s = tinySpec();
    s.hidden = int64_t(1) << 40;
    EXPECT_EQ(validateMessage(s),
              "tiny: field 'hidden_size': expected an integer in [1, 67108864] (got 1099511627776)");
  }
}

TEST(ModelSpec, NumelSaturates) {
  EXPECT_EQ(numelOf({int64_t(1) << 40, int64_t(1) << 40}), INT64_MAX);
  EXPECT_EQ(numelOf({}), 1);
  EXPECT_EQ(numelOf({3, 0, 5}), 0);
}

TEST(ModelSpec, EnumSpellings) {
  EXPECT_STREQ(toString(DType::BF16), "bf16");
  EXPECT_EQ(parseDType("bfloat16"), DType::BF16);
  EXPECT_EQ(parseDType("int8"), std::nullopt);
  EXPECT_EQ(byteSize(DType::F16), 2);
  EXPECT_STREQ(toString(MixerKind::IntraHybrid), "intra");
  EXPECT_STREQ(toString(FfnKind::GatedMlp), "gated");
  EXPECT_STREQ(toString(Fusion::Diff), "diff");
}

TEST(ModelSpec, ErrorMessageIsOneLine) {
  ConfigError e{"a.json", "x", "a\nb", "c\rd"};
  EXPECT_EQ(e.message(), "a.json: field 'x': expected a b (got c d)");
  ConfigError whole{"a.json", "", "valid JSON", "nothing"};
  EXPECT_EQ(whole.message(), "a.json: expected valid JSON (got nothing)");
}
