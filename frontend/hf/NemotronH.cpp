//===- NemotronH.cpp - nemotron_h -----------------------------------------===//
//
// NemotronHConfig / modeling_nemotron_h: one block per layer (Mamba-2,
// attention without RoPE, MLP or sigmoid-routed MoE), from a list of layer
// types or the hybrid_override_pattern string.
//
//===----------------------------------------------------------------------===//

#include "frontend/hf/HFReaders.h"

namespace hybrid::frontend::detail {

namespace {

enum class NemotronBlock { Mamba, Attention, Mlp, Moe };

std::vector<NemotronBlock> readNemotronPattern(const Fields &f) {
  std::vector<NemotronBlock> out;
  const char *listKey = f.hasValue("layers_block_type") ? "layers_block_type"
                        : f.hasValue("layer_types")     ? "layer_types"
                                                        : nullptr;
  if (listKey) {
    const nlohmann::json *a = f.getArray(listKey);
    if (a->size() < 1 || a->size() > size_t(kMaxLayers))
      f.failValue(listKey, "a list of 1 to " + std::to_string(kMaxLayers) + " layer types");
    for (size_t i = 0; i < a->size(); ++i) {
      const nlohmann::json &v = (*a)[i];
      std::string s = v.is_string() ? v.get<std::string>() : "";
      if (s == "mamba" || s == "linear_attention")
        out.push_back(NemotronBlock::Mamba);
      else if (s == "attention" || s == "full_attention")
        out.push_back(NemotronBlock::Attention);
      else if (s == "mlp")
        out.push_back(NemotronBlock::Mlp);
      else if (s == "moe")
        out.push_back(NemotronBlock::Moe);
      else
        f.fail(std::string(listKey) + "[" + std::to_string(i) + "]",
               "one of mamba, attention, mlp, moe, linear_attention, full_attention",
               describe(v));
    }
    return out;
  }
  if (f.hasValue("hybrid_override_pattern")) {
    std::string p = f.getString("hybrid_override_pattern", "");
    if (p.empty() || p.size() > size_t(kMaxLayers))
      f.failValue("hybrid_override_pattern",
                  "a string of 1 to " + std::to_string(kMaxLayers) + " letters M, *, -, E");
    for (size_t i = 0; i < p.size(); ++i) {
      switch (p[i]) {
      case 'M': out.push_back(NemotronBlock::Mamba); break;
      case '*': out.push_back(NemotronBlock::Attention); break;
      case '-': out.push_back(NemotronBlock::Mlp); break;
      case 'E': out.push_back(NemotronBlock::Moe); break;
      default:
        f.fail("hybrid_override_pattern[" + std::to_string(i) + "]",
               "one of M (Mamba-2), * (attention), - (MLP), E (MoE)",
               describe(nlohmann::json(std::string(1, p[i]))));
      }
    }
    return out;
  }
  // NemotronHConfig's default layers_block_type.
  return {NemotronBlock::Mamba, NemotronBlock::Moe, NemotronBlock::Attention, NemotronBlock::Mlp};
}

// New field names win over the legacy mamba_* spellings only when the legacy
// one is absent (NemotronHConfig.__post_init__ pops the legacy ones last).
const char *nemotronKey(const Fields &f, const char *key, const char *legacy) {
  return f.has(legacy) ? legacy : key;
}

} // namespace

ModelSpec readNemotronH(const Fields &f) {
  ModelSpec spec = baseSpec(f, "nemotron_h", WeightNaming::NemotronH);
  spec.vocabSize = f.getInt("vocab_size", 131072);
  spec.hidden = f.getInt("hidden_size", 4096);
  spec.tiedEmbeddings = f.getBool("tie_word_embeddings", false);
  std::vector<NemotronBlock> blocks = readNemotronPattern(f);
  int64_t layers = int64_t(blocks.size());
  if (f.hasValue("num_hidden_layers") && f.getInt("num_hidden_layers", layers, 1, kMaxLayers) != layers)
    f.failValue("num_hidden_layers",
                "the length of the layer pattern (" + std::to_string(layers) + ")");
  int64_t heads = f.getInt("num_attention_heads", 32);
  int64_t kv = readKvHeads(f, heads, 8);
  int64_t hd = readHeadDim(f, spec.hidden, heads, false, /*absentDefault=*/128);
  // attention_bias and sliding_window do not change the math: NemotronH
  // attention (JambaAttention) has no biases and the mask is full causal.
  int64_t inter = f.getInt("intermediate_size", 21504);
  Activation mlpAct = readActivation(f, "mlp_hidden_act", "relu2");
  bool mlpBias = f.getBool("mlp_bias", false);
  requireSiluFor(f, "mamba_hidden_act", "silu");
  double eps = positiveDouble(f, "layer_norm_epsilon", 1e-5);
  spec.residualInFp32 = f.getBool("residual_in_fp32", false);

  Mamba2Spec m;
  m.dState = f.getInt("ssm_state_size", 128);
  m.nHeads = f.getInt("mamba_num_heads", 128);
  m.headDim = f.getInt("mamba_head_dim", 64);
  const char *groupsKey = nemotronKey(f, "n_groups", "mamba_n_groups");
  m.nGroups = f.getInt(groupsKey, 8);
  if (m.nHeads % m.nGroups != 0)
    f.fail(groupsKey, "a divisor of mamba_num_heads (" + std::to_string(m.nHeads) + ")",
           std::to_string(m.nGroups));
  m.dConv = f.getInt(nemotronKey(f, "conv_kernel", "mamba_d_conv"), 4);
  readTimeStepLimit(f, nemotronKey(f, "time_step_limit", "mamba_dt_limit"), m);
  m.convBias = f.getBool(nemotronKey(f, "use_conv_bias", "mamba_conv_bias"), true);
  m.chunkSize = f.getInt(nemotronKey(f, "chunk_size", "mamba_chunk_size"), 128);
  m.inProjBias = m.outProjBias = f.getBool("use_bias", false);
  m.gatedNorm = true;
  m.normEps = eps;
  m.normBeforeGate = false;
  m.normGroups = m.nGroups; // MambaRMSNormGated(group_size = intermediate / n_groups)

  MoeSpec moe;
  moe.numExperts = f.getInt(f.has("n_routed_experts") ? "n_routed_experts" : "num_local_experts",
                            8, 1, kMaxExperts);
  moe.topK = f.getInt("num_experts_per_tok", 2);
  moe.scoring = RouterScoring::Sigmoid;
  moe.correctionBias = true;
  moe.normTopK = f.getBool("norm_topk_prob", true);
  moe.routedScaling = f.getDouble("routed_scaling_factor", 1.0);
  moe.nGroup = f.getInt("n_group", 1);
  moe.topkGroup = f.getInt("topk_group", 1);
  moe.layout = ExpertLayout::PerExpert;
  moe.expert = plainMlp(f.getInt("moe_intermediate_size", 7688), mlpAct, false);
  moe.shared = plainMlp(f.getInt("moe_shared_expert_intermediate_size", 7688), mlpAct, mlpBias);
  if (f.hasValue("moe_latent_size"))
    f.failValue("moe_latent_size", "null (latent MoE projections are not supported)");
  bool hasMoe = false;
  for (NemotronBlock b : blocks)
    hasMoe |= b == NemotronBlock::Moe;
  if (hasMoe) {
    if (moe.numExperts % moe.nGroup != 0)
      f.failValue("n_group", "a divisor of n_routed_experts (" + std::to_string(moe.numExperts) + ")");
    if (moe.topkGroup > moe.nGroup)
      f.failValue("topk_group", "at most n_group (" + std::to_string(moe.nGroup) + ")");
    if (moe.topK > moe.numExperts)
      f.failValue("num_experts_per_tok",
                  "at most n_routed_experts (" + std::to_string(moe.numExperts) + ")");
  }

  setLayers(spec, layers);
  for (LayerSpec &l : spec.layers) {
    switch (blocks[size_t(l.index)]) {
    case NemotronBlock::Mamba:
      l.mixerNorm = rmsNorm(eps);
      l.mixer = m;
      break;
    case NemotronBlock::Attention:
      l.mixerNorm = rmsNorm(eps);
      l.mixer = llamaAttention(heads, kv, hd, false); // no RoPE
      break;
    case NemotronBlock::Mlp:
      l.ffnNorm = rmsNorm(eps);
      l.ffn = plainMlp(inter, mlpAct, mlpBias);
      break;
    case NemotronBlock::Moe:
      l.ffnNorm = rmsNorm(eps);
      l.ffn.kind = FfnKind::Moe;
      l.moe = moe;
      break;
    }
  }
  spec.finalNorm = rmsNorm(eps);
  return spec;
}

} // namespace hybrid::frontend::detail
