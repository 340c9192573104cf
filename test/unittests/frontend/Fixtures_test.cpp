//===- Fixtures_test.cpp - weights() == what transformers saves -----------===//
//
// For every test/fixtures/hf/<type>/ holding config.json and meta.json (made
// by transformers' save_pretrained), weights() must list exactly the tensors
// of meta.json: same names, same shapes, same count. Skipped until the
// fixtures exist. meta.json["tensors"] lists the file's tensors as
// [name, safetensors dtype, shape]; the dtypes must match too. The layer
// kinds (meta.json["layer_types"]) and RoPE widths (["rotary_dims"]) that
// transformers instantiated must match the spec as well.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace hybrid::frontend;
using namespace hybrid::frontend::testing;
namespace fs = std::filesystem;

namespace {

struct Tensor {
  std::string dtype; // safetensors spelling: F32, BF16, F16, F64
  std::vector<int64_t> shape;
  bool operator==(const Tensor &o) const { return dtype == o.dtype && shape == o.shape; }
};

std::ostream &operator<<(std::ostream &os, const Tensor &t) {
  os << t.dtype << " [";
  for (size_t i = 0; i < t.shape.size(); ++i)
    os << (i ? "," : "") << t.shape[i];
  return os << "]";
}

std::string safetensorsDType(DType t) {
  switch (t) {
  case DType::F32: return "F32";
  case DType::BF16: return "BF16";
  case DType::F16: return "F16";
  case DType::F64: return "F64";
  }
  return "?";
}

// name -> tensor from meta.json["tensors"] ([name, dtype, shape] triples).
std::map<std::string, Tensor> metaTensors(const fs::path &file) {
  std::ifstream in(file);
  nlohmann::json meta = nlohmann::json::parse(in);
  std::map<std::string, Tensor> out;
  for (const nlohmann::json &t : meta.at("tensors"))
    out[t.at(0).get<std::string>()] = {t.at(1).get<std::string>(),
                                       t.at(2).get<std::vector<int64_t>>()};
  return out;
}

// meta.json["layer_types"] spelling of a spec layer.
std::string layerType(const LayerSpec &l) {
  switch (l.mixerKind()) {
  case MixerKind::Attention: return "attention";
  case MixerKind::Mamba1:
  case MixerKind::Mamba2: return "mamba";
  case MixerKind::Parallel: return "hybrid";
  case MixerKind::IntraHybrid: return "intra";
  case MixerKind::None: return l.ffn.kind == FfnKind::Moe ? "moe" : "mlp";
  }
  return "?";
}

std::string canonicalType(const std::string &t) {
  if (t == "linear_attention") return "mamba";
  if (t == "full_attention") return "attention";
  return t;
}

} // namespace

TEST(Fixtures, WeightsMatchSavedCheckpoints) {
  fs::path root = HYBRIDC_HF_FIXTURES;
  if (!fs::is_directory(root))
    GTEST_SKIP() << "no fixtures yet in " << root;
  int checked = 0;
  for (const auto &dir : fs::directory_iterator(root)) {
    fs::path meta = dir.path() / "meta.json";
    if (!fs::exists(meta) || !fs::exists(dir.path() / "config.json"))
      continue;
    SCOPED_TRACE(dir.path().string());
    std::map<std::string, Tensor> expected = metaTensors(meta);
    Expected<ModelSpec> spec = loadModelSpec(dir.path().string());
    ASSERT_TRUE(spec) << spec.error().message();
    std::map<std::string, Tensor> got;
    for (const WeightSpec &w : spec->weights())
      got[w.name] = {safetensorsDType(w.dtype), w.shape};
    for (const auto &[name, tensor] : expected) {
      auto it = got.find(name);
      if (it == got.end())
        ADD_FAILURE() << "missing from weights(): " << name << " " << tensor;
      else
        EXPECT_EQ(it->second, tensor) << name;
    }
    for (const auto &[name, tensor] : got)
      if (!expected.count(name))
        ADD_FAILURE() << "not in the checkpoint: " << name << " " << tensor;
    EXPECT_EQ(got.size(), expected.size());
    int64_t params = 0;
    for (const auto &[name, tensor] : expected)
      params += numelOf(tensor.shape);
    EXPECT_EQ(spec->numParams(), params);

    std::ifstream in(meta);
    nlohmann::json m = nlohmann::json::parse(in);
    if (m.contains("layer_types") && m["layer_types"].is_array()) {
      ASSERT_EQ(m["layer_types"].size(), spec->layers.size());
      for (size_t i = 0; i < spec->layers.size(); ++i)
        EXPECT_EQ(layerType(spec->layers[i]), canonicalType(m["layer_types"][i].get<std::string>()))
            << "layer " << i;
    }
    int64_t rotary = -1; // the RoPE width of the attention layers, -1 if none
    for (const LayerSpec &l : spec->layers)
      if (l.hasAttention() && l.attention()->rotaryDim > 0)
        rotary = l.attention()->rotaryDim;
    const nlohmann::json &rd = m.value("rotary_dims", nlohmann::json::object());
    if (rd.empty()) {
      EXPECT_EQ(rotary, -1) << "transformers built no rotary embedding";
    }
    for (auto it = rd.begin(); it != rd.end(); ++it)
      EXPECT_EQ(rotary, it.value().get<int64_t>()) << it.key();
    ++checked;
  }
  if (checked == 0)
    GTEST_SKIP() << "no fixture with config.json and meta.json in " << root;
}
