//===- MoshiConfig_test.cpp - Moshi LM reader -----------------------------===//

#include "TestUtil.h"

#include <nlohmann/json.hpp>

#include <fstream>

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;

namespace {

// The tensors of a safetensors file: name -> shape, from its header.
std::map<std::string, Shape> checkpointShapes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char len[8] = {};
  in.read(reinterpret_cast<char *>(len), 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | len[i];
  std::string header(size_t(n), '\0');
  in.read(header.data(), std::streamsize(n));
  std::map<std::string, Shape> out;
  nlohmann::json j = nlohmann::json::parse(header);
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "__metadata__")
      out[it.key()] = it.value()["shape"].get<Shape>();
  return out;
}

ModelSpec loadFixture(const std::string &name) {
  Expected<ModelSpec> s = loadModelSpec(std::string(HYBRIDC_MOSHI_FIXTURES) + "/" + name);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
  return s.ok() ? *s : ModelSpec();
}

} // namespace

// weights() is exactly the checkpoint's tensors, names and shapes, in both
// forms: the published stacked in_proj_weight / out_proj.weight (moshi) and
// LMModel.state_dict()'s in_projs.{i} / out_projs.{i} (split), which the
// reader tells apart by the checkpoint's header.
TEST(MoshiConfig, WeightsAreTheCheckpoints) {
  for (const char *name : {"moshi", "split"}) {
    ModelSpec s = loadFixture(name);
    ASSERT_TRUE(s.moshi) << name;
    EXPECT_EQ(s.moshi->stackedProjections, std::string(name) == "moshi");
    EXPECT_EQ(shapes(s), checkpointShapes(std::string(HYBRIDC_MOSHI_FIXTURES) + "/" + name +
                                          "/model.safetensors"))
        << name;
  }
}

// The 7B-like fixture: weights per step (one set and one depformer_in per
// step), gated hidden 2 * int(4.125 * 16) / 3, RMS norms of eps 1e-8, rope
// over the whole head at max_period, context as the window, Mimi's rate.
TEST(MoshiConfig, PerStepWeights) {
  ModelSpec s = loadFixture("moshi");
  ASSERT_TRUE(s.moshi);
  const MoshiSpec &m = *s.moshi;
  EXPECT_EQ(s.format, SourceFormat::Moshi);
  EXPECT_EQ(s.numCodebooks, 7);
  EXPECT_DOUBLE_EQ(s.frameRate, 12.5);
  EXPECT_EQ(m.delays, (std::vector<int64_t>{0, 0, 1, 1, 0, 1, 1}));
  EXPECT_EQ(m.depth.steps, 3);
  EXPECT_TRUE(m.depth.perStep);
  EXPECT_EQ(m.depth.numWeightSets, 3);
  EXPECT_EQ(m.depth.weightSet, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(m.depth.numInputs, 3);
  EXPECT_EQ(m.depth.inputOf, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(m.depth.ffn[0].intermediate, 44);
  EXPECT_TRUE(m.depth.ffn[0].gateFirst);
  EXPECT_EQ(m.depth.attention.rotaryDim, 0); // depformer_pos_emb none
  const AttentionSpec &a = *s.layers[0].attention();
  EXPECT_EQ(a.rotaryDim, 8);
  EXPECT_TRUE(a.ropeInterleaved);
  EXPECT_EQ(a.slidingWindow, 5);
  EXPECT_EQ(s.layers[0].mixerNorm.kind, NormKind::RMS);
  EXPECT_DOUBLE_EQ(s.layers[0].mixerNorm.eps, 1e-8);
  std::vector<StateSpec> st = stateBuffers(s, 32);
  ASSERT_EQ(st.size(), 8u);
  EXPECT_EQ(st[4].name, "depformer.layers.0.k_cache");
  EXPECT_TRUE(st[4].perFrame);
  EXPECT_EQ(st[4].shape, (Shape{3, 2, 8}));
  EXPECT_FALSE(st[0].perFrame);
}

// A schedule shares weight sets (and, with multi_linear, depformer_in)
// between steps; a list of FFN widths gives each set its own.
TEST(MoshiConfig, Schedule) {
  ModelSpec s = loadFixture("split");
  ASSERT_TRUE(s.moshi);
  const DepthSpec &d = s.moshi->depth;
  EXPECT_EQ(d.numWeightSets, 2);
  EXPECT_EQ(d.weightSet, (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(d.numInputs, 2);
  EXPECT_EQ(d.inputOf, (std::vector<int64_t>{0, 1, 1}));
  ASSERT_EQ(d.ffn.size(), 2u);
  EXPECT_EQ(d.ffn[0].intermediate, 16);
  EXPECT_EQ(d.ffn[1].intermediate, 24);
  EXPECT_EQ(d.attention.numKvHeads, 1); // kv_repeat 2, inherited
  EXPECT_EQ(d.attention.rotaryDim, 4);
  EXPECT_DOUBLE_EQ(d.attention.ropeTheta, 100.0);
  EXPECT_EQ(d.outNorm.kind, NormKind::Layer);
  EXPECT_FALSE(s.layers[0].attention()->ropeInterleaved); // rope_concat
  EXPECT_TRUE(s.moshi->headBias);
}

// Without a checkpoint beside the config, the published (stacked) names.
TEST(MoshiConfig, NoCheckpointMeansStacked) {
  ModelSpec s = load("moshi.json");
  ASSERT_TRUE(s.moshi);
  EXPECT_TRUE(s.moshi->stackedProjections);
  auto sh = shapes(s);
  EXPECT_EQ(sh.at("depformer.layers.0.self_attn.in_proj_weight"), (Shape{2 * 48, 16}));
  EXPECT_EQ(sh.at("depformer.layers.0.self_attn.out_proj.weight"), (Shape{2 * 16, 16}));
  EXPECT_EQ(sh.at("transformer.layers.0.norm1.alpha"), (Shape{1, 1, 16}));
}
