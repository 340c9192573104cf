//===- IntraHybrid.cpp - Intra-layer hybrid: branches, norms, fusion ------===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

/// Per-branch norm of an intra-layer hybrid: per head when groupNorm.
Value ModelIRBuilder::branchNorm(Value x, const IntraHybridSpec &h,
                                 const std::string &prefix, int64_t heads,
                                 int64_t layer) {
  NormSpec n{h.branchNorm, h.normEps, h.branchNorm == NormKind::Layer};
  if (!h.groupNorm || n.kind == NormKind::None)
    return norm(x, n, prefix, layer);
  Value w = optionalWeight(prefix + "weight", layer);
  Value bias = optionalWeight(prefix + "bias", layer);
  return groupedNorm(x, n.kind, n.eps, w, bias, heads);
}

Value ModelIRBuilder::emitMixer(const IntraHybridSpec &h, Value x,
                                int64_t layer) {
  Value a = attentionCore(h.attention, x, layer);
  Value s = mamba2Core(h.mamba2, x, layer);
  a = scale(branchNorm(a, h, "intra.attn_norm.", h.attention.numHeads, layer),
            h.attnMultiplier);
  s = scale(branchNorm(s, h, "intra.ssm_norm.", h.mamba2.nHeads, layer),
            h.ssmMultiplier);
  auto fuse = [&](Value av, Value sv) -> Value {
    switch (h.fusion) {
    case Fusion::Add:
      return add(sv, av);
    case Fusion::Diff:
      return sub(sv, av);
    case Fusion::Concat:
      return tensor::ConcatOp::create(b, loc, act({lastDim(av) + lastDim(sv)}),
                                      2, ValueRange{av, sv});
    }
    return av;
  };
  if (h.sharedOutProj)
    return linear(fuse(a, s), "intra.out_proj.", layer);
  return fuse(linear(a, "attn.o_proj.", layer),
              linear(s, "mamba.out_proj.", layer));
}

} // namespace hybrid::frontend::detail
