//===- IntraHybrid.cpp - Intra-layer hybrid: checks, tensors, FLOPs -------===//

#include "frontend/mixers/IntraHybrid.h"
#include "frontend/SpecCheck.h"

namespace hybrid::frontend {

const char *toString(Fusion f) {
  switch (f) {
  case Fusion::Add: return "add";
  case Fusion::Diff: return "diff";
  case Fusion::Concat: return "concat";
  }
  return "?";
}

void validate(const IntraHybridSpec &h, const AttentionSpec &attn, const Mamba2Spec &ssm,
              const detail::SpecChecker &check, const std::string &layerPath) {
  validate(attn, check, layerPath);
  validate(ssm, check, layerPath);
  std::string p = layerPath + ".intra";
  int64_t attnW = attn.width(), ssmW = ssm.dInner();
  if (h.fusion == Fusion::Concat && !h.sharedOutProj)
    check.fail(p + ".out_proj", "shared (concat fuses before one projection)", "separate");
  if (h.fusion != Fusion::Concat && h.sharedOutProj && attnW != ssmW)
    check.fail(p + ".fusion",
               "concat, or branches of equal width (attention " + check.str(attnW) +
                   ", ssm " + check.str(ssmW) + ")",
               toString(h.fusion));
  if (h.branchNorm != NormKind::None)
    check.positive(p + ".norm_eps", h.normEps);
  check.finite(p + ".attn_multiplier", h.attnMultiplier);
  check.finite(p + ".ssm_multiplier", h.ssmMultiplier);
}

namespace {
// Columns of intra.out_proj: the fused width.
int64_t fusedWidth(const IntraHybridSpec &h, const AttentionSpec &attn, const Mamba2Spec &ssm) {
  return h.fusion == Fusion::Concat ? attn.width() + ssm.dInner() : attn.width();
}
} // namespace

void listWeights(const IntraHybridSpec &h, const AttentionSpec &attn, const Mamba2Spec &ssm,
                 WeightList &w) {
  listWeights(attn, w, /*outProj=*/!h.sharedOutProj);
  listWeights(ssm, w, /*outProj=*/!h.sharedOutProj);
  NormSpec bn{h.branchNorm, h.normEps, h.branchNorm == NormKind::Layer};
  w.norm("intra.attn_norm.", bn, attn.width());
  w.norm("intra.ssm_norm.", bn, ssm.dInner());
  if (h.sharedOutProj)
    w.add("intra.out_proj.weight", {w.hidden(), fusedWidth(h, attn, ssm)});
}

void countFlops(const IntraHybridSpec &h, const AttentionSpec &attn, const Mamba2Spec &ssm,
                const FlopContext &ctx, FlopCount &f) {
  countFlops(attn, ctx, f, /*outProj=*/!h.sharedOutProj);
  countFlops(ssm, ctx, f, /*outProj=*/!h.sharedOutProj);
  if (h.sharedOutProj)
    f.both(linearFlops(double(fusedWidth(h, attn, ssm)), double(ctx.hidden)));
}

} // namespace hybrid::frontend
