//===- BadConfig_test.cpp - every bad input ends in one exact line -------===//
//
// test/Frontend/Inputs/bad/<name>.json -> the exact message after "PATH: ".
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <filesystem>

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;

namespace {

struct BadCase {
  const char *file;
  const char *message; // after "<path>: "
};

const BadCase kBadCases[] = {
    {"unknown_model_type.json",
     "field 'model_type': expected one of llama, mistral, mamba, mamba2, jamba, bamba, "
     "falcon_h1, nemotron_h, granitemoehybrid (got \"gpt2\")"},
    {"heads_type.json", "field 'num_attention_heads': expected a positive integer (got \"4\")"},
    {"kv_not_divisor.json",
     "field 'num_key_value_heads': expected a divisor of num_attention_heads (4) (got 3)"},
    {"heads_not_dividing_hidden.json",
     "field 'num_attention_heads': expected a divisor of hidden_size (64) (got 6)"},
    {"rope_yarn.json", "field 'rope_parameters.rope_type': expected \"default\" (RoPE scaling is "
                       "not supported) (got \"yarn\")"},
    {"rope_scaling_linear.json", "field 'rope_scaling.type': expected \"default\" (RoPE scaling "
                                 "is not supported) (got \"linear\")"},
    {"unknown_activation.json",
     "field 'hidden_act': expected one of silu, swish, gelu, gelu_new, gelu_pytorch_tanh, "
     "gelu_tanh, relu, relu2 (got \"tanh\")"},
    {"negative_size.json", "field 'hidden_size': expected a positive integer (got -64)"},
    {"zero_layers.json", "field 'num_hidden_layers': expected an integer in [1, 4096] (got 0)"},
    {"nemotron_bad_letter.json",
     "field 'hybrid_override_pattern[2]': expected one of M (Mamba-2), * (attention), - (MLP), "
     "E (MoE) (got \"X\")"},
    {"nemotron_layer_count.json",
     "field 'num_hidden_layers': expected the length of the layer pattern (3) (got 4)"},
    {"bamba_attn_index.json",
     "field 'attn_layer_indices[1]': expected a layer index in [0, 3) (got 5)"},
    {"jamba_offset.json", "field 'attn_layer_offset': expected an offset smaller than "
                          "attn_layer_period (8) (got 8)"},
    {"mamba2_heads.json", "field 'num_heads': expected num_heads * head_dim == int(expand * "
                          "hidden_size) (128) (got 8 * 8)"},
    {"falcon_multipliers.json",
     "field 'ssm_multipliers': expected 5 numbers (z, x, B, C, dt) (got [1,1,1,1])"},
    {"granite_layer_type.json",
     "field 'layer_types[1]': expected one of mamba, attention, linear_attention, "
     "full_attention (got \"conv\")"},
    {"quantized.json", "field 'quantization_config': expected no quantization (quantized "
                       "checkpoints are not supported) (got {\"quant_method\":\"fp8\"})"},
    {"time_step_limit.json", "field 'time_step_limit': expected a list [min, max] (got [0.0])"},
    {"infinite_eps.json", "field 'rms_norm_eps': expected a finite number (got Infinity)"},
    {"zonos_not_causal.json", "field 'backbone.attn_cfg.causal': expected true (a language "
                              "model's attention is causal) (got false)"},
    {"zonos_unknown_key.json",
     "field 'backbone.dropout': expected a BackboneConfig field (got an unknown key)"},
    {"zonos_attn_idx.json",
     "field 'backbone.attn_layer_idx[0]': expected a layer index in [0, 4) (got 7)"},
    {"zonos_no_prefix_conditioner.json",
     "field 'prefix_conditioner': expected an object (Zonos PrefixConditionerConfig) (got "
     "missing)"},
    {"zonos_top_unknown.json",
     "field 'cfg_scale': expected a ZonosConfig field (got an unknown key)"},
    {"zonos_torch_kv_heads.json",
     "field 'backbone.attn_cfg.num_heads_kv': expected a positive integer (got missing)"},
    {"zonos_mamba3.json",
     "field 'backbone.ssm_cfg.layer': expected \"Mamba1\" or \"Mamba2\" (got \"Mamba3\")"},
    {"moshi_conditioners.json", "field 'conditioners': expected null (conditioning is not "
                                "supported) (got {\"description\":{\"type\":\"lut\"}})"},
    {"moshi_delays.json", "field 'delays': expected 5 delays (1 + n_q) (got [0,0,1])"},
    {"moshi_dep_q.json", "field 'dep_q': expected at most n_q (4) (got 5)"},
    {"moshi_depformer_heads.json",
     "field 'depformer_num_heads': expected a positive integer (got missing)"},
    {"moshi_gating.json",
     "field 'depformer_gating': expected one of none, silu, gelu, relu (got \"mish\")"},
    {"moshi_layer_scale.json",
     "field 'layer_scale': expected null (LayerScale is not supported) (got 0.01)"},
    {"moshi_schedule.json", "field 'depformer_weights_per_step_schedule': expected 2 entries "
                            "(one per depformer step, dep_q) (got [0,0,1])"},
    {"moshi_sin.json", "field 'positional_embedding': expected \"rope\", \"rope_concat\" or "
                       "\"none\" (the sinusoidal embedding is not supported) (got missing: the "
                       "default, \"sin\")"},
    {"moshi_unknown_key.json", "field 'dropout': expected a moshi.models.lm.LMModel argument or "
                               "a Moshi config.json key (got an unknown key)"},
    {"native_missing_hidden.json", "field 'hidden_size': expected a positive integer (got missing)"},
    {"native_kv.json",
     "field 'layers[1].attention.num_kv_heads': expected a divisor of num_heads (4) (got 3)"},
    {"native_unknown_kind.json", "field 'layers[0].kind': expected one of attention, mamba1, "
                                 "mamba2, parallel, intra, mlp, moe (got \"rwkv\")"},
    {"native_attn_idx.json", "field 'attn_layer_idx[0]': expected a layer index in [0, 4) (got 4)"},
    {"native_concat_separate.json", "field 'layers[0].intra.out_proj': expected shared (concat "
                                    "fuses before one projection) (got separate)"},
    {"native_typo.json",
     "field 'layers[0].atention': expected a layer field (kind, comment, norm, attention, mamba1, "
     "mamba2, intra, ffn) (got an unknown key)"},
    {"native_topk.json", "field 'layers[0].ffn.top_k': expected at most num_experts (4) (got 5)"},
    {"native_intra_widths.json",
     "field 'layers[0].intra.fusion': expected concat, or branches of equal width (attention 16, "
     "ssm 48) (got add)"},
    {"native_state_dtype.json", "field 'state_dtype': expected one of f32, bf16, f16 (got \"f64\")"},
    {"native_format.json", "field 'format': expected \"hybridc\" (got \"gguf\")"},
    {"not_object.json", "expected a JSON object (got [1,2,3])"},
    {"syntax.json", "expected valid JSON (got parse error at line 2, column 1: syntax error while "
                    "parsing object key - unexpected end of input; expected string literal)"},
    {"no_format.json", "field 'model_type': expected a HuggingFace \"model_type\", a Zonos "
                       "\"backbone\", Moshi's \"dep_q\" or \"format\": \"hybridc\" (got none of "
                       "them)"},
};

class BadConfig : public ::testing::TestWithParam<BadCase> {};

} // namespace

TEST_P(BadConfig, ExactOneLineError) {
  const BadCase &c = GetParam();
  std::string path = inputPath(std::string("bad/") + c.file);
  Expected<ModelSpec> r = loadModelSpec(path);
  ASSERT_FALSE(r) << c.file << " loaded";
  EXPECT_EQ(r.error().message(), path + ": " + c.message);
  EXPECT_EQ(r.error().message().find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Inputs, BadConfig, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase> &info) {
                           std::string n = info.param.file;
                           n = n.substr(0, n.find('.'));
                           return n;
                         });

TEST(BadConfigFiles, EveryFileHasACase) {
  size_t files = 0;
  for (const auto &e : std::filesystem::directory_iterator(inputPath("bad"))) {
    if (e.path().extension() != ".json")
      continue;
    ++files;
    bool found = false;
    for (const BadCase &c : kBadCases)
      found |= e.path().filename() == c.file;
    EXPECT_TRUE(found) << e.path() << " has no expected message";
  }
  EXPECT_EQ(files, sizeof(kBadCases) / sizeof(kBadCases[0]));
  EXPECT_GE(files, 20u);
}

TEST(BadConfigFiles, MissingPaths) {
  Expected<ModelSpec> none = loadModelSpec("/nonexistent/model");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message(), "/nonexistent/model: expected a JSON file or a directory "
                                    "holding config.json (got no such file or directory)");
  // A directory without config.json.
  Expected<ModelSpec> dir = loadModelSpec(inputPath("bad"));
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().message(), inputPath("bad") + "/config.json: expected a config.json in "
                                                      "the model directory (got no such file)");
}

TEST(BadConfigFiles, WrongJsonTypesNameTheField) {
  EXPECT_EQ(parseError(R"({"model_type": 7})"),
            "inline.json: field 'model_type': expected a string (got 7)");
  EXPECT_EQ(parseError(R"({"model_type": "llama", "tie_word_embeddings": "yes"})"),
            "inline.json: field 'tie_word_embeddings': expected true or false (got \"yes\")");
  EXPECT_EQ(parseError(R"({"model_type": "llama", "hidden_size": 64.5})"),
            "inline.json: field 'hidden_size': expected a positive integer (got 64.5)");
  EXPECT_EQ(parseError(R"({"model_type": "llama", "rope_parameters": [1]})"),
            "inline.json: field 'rope_parameters': expected an object (got [1])");
  EXPECT_EQ(parseError(R"({"model_type": "bamba", "attn_layer_indices": "1,2"})"),
            "inline.json: field 'attn_layer_indices': expected an array (got \"1,2\")");
  EXPECT_EQ(parseError(R"({"model_type": "llama", "hidden_size": 99999999999999999999})"),
            "inline.json: field 'hidden_size': expected a positive integer (got "
            "1e+20)");
  EXPECT_EQ(parseError(R"({"format": "hybridc", "vocab_size": 8, "hidden_size": 16,
      "layers": [{"kind": "attention", "attention": {"num_heads": NaN}}]})"),
            "inline.json: field 'layers[0].attention.num_heads': expected a positive integer "
            "(got NaN)");
}
