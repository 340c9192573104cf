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

void validate(const IntraHybridSpec &h, const detail::SpecChecker &check,
              const std::string &layerPath) {
  validate(h.attention, check, layerPath);
  validate(h.mamba2, check, layerPath);
  std::string p = layerPath + ".intra";
  int64_t attnW = h.attention.width(), ssmW = h.mamba2.dInner();
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
int64_t fusedWidth(const IntraHybridSpec &h) {
  return h.fusion == Fusion::Concat ? h.attention.width() + h.mamba2.dInner()
                                    : h.attention.width();
}
} // namespace

void listWeights(const IntraHybridSpec &h, WeightList &w) {
  listWeights(h.attention, w, /*outProj=*/!h.sharedOutProj);
  listWeights(h.mamba2, w, /*outProj=*/!h.sharedOutProj);
  NormSpec bn{h.branchNorm, h.normEps, h.branchNorm == NormKind::Layer};
  w.norm("intra.attn_norm.", bn, h.attention.width());
  w.norm("intra.ssm_norm.", bn, h.mamba2.dInner());
  if (h.sharedOutProj)
    w.add("intra.out_proj.weight", {w.hidden(), fusedWidth(h)});
}

void listState(const IntraHybridSpec &h, StateList &s) {
  listState(h.attention, s);
  listState(h.mamba2, s);
}

void countFlops(const IntraHybridSpec &h, const FlopContext &ctx, FlopCount &f) {
  countFlops(h.attention, ctx, f, /*outProj=*/!h.sharedOutProj);
  countFlops(h.mamba2, ctx, f, /*outProj=*/!h.sharedOutProj);
  if (h.sharedOutProj)
    f.both(linearFlops(double(fusedWidth(h)), double(ctx.hidden)));
}

} // namespace hybrid::frontend
