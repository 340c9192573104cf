//===- IntraHybrid.h - Head-wise intra-layer hybrid mixer -------*- C++ -*-===//
//
// Bae et al. (arXiv 2510.04800): the layer's heads are split between an
// attention branch and a Mamba-2 branch that read the same input; each
// branch output is normalized and scaled, then the two are fused (add,
// difference or concat) before one shared output projection, or after each
// branch's own.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_MIXERS_INTRAHYBRID_H
#define HYBRIDC_FRONTEND_MIXERS_INTRAHYBRID_H

#include "frontend/mixers/Attention.h"
#include "frontend/mixers/Mamba2.h"

namespace hybrid::frontend {

enum class Fusion { Add, Diff, Concat };
const char *toString(Fusion f); // "add", "diff", "concat"

struct IntraHybridSpec {
  AttentionSpec attention;          // the attention branch: its own heads
  Mamba2Spec mamba2;                // the SSM branch: the remaining heads, same
                                    // head dim; gatedNorm defaults to false
  Fusion fusion = Fusion::Diff;     // add: s + a; diff: s - a; concat: [a, s]
  bool sharedOutProj = false;       // true: fuse, then intra.out_proj;
                                    // false: each branch projects, then fuse
  NormKind branchNorm = NormKind::RMS;
  bool groupNorm = true;            // statistics per head (group norm) or over
                                    // the whole branch width
  double normEps = 1e-5;
  double attnMultiplier = 1.0;
  double ssmMultiplier = 1.0;
};

// The branches' own fields (`layerPath`.attention, .mamba2), then
// `layerPath`.intra.
void validate(const IntraHybridSpec &h, const detail::SpecChecker &check,
              const std::string &layerPath);
// The branches (without their output projections if shared), the branch
// norms intra.{attn,ssm}_norm, and intra.out_proj if shared.
void listWeights(const IntraHybridSpec &h, WeightList &w);
// Attention's k/v caches, then Mamba-2's conv and ssm states.
void listState(const IntraHybridSpec &h, StateList &s);
void countFlops(const IntraHybridSpec &h, const FlopContext &ctx, FlopCount &f);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MIXERS_INTRAHYBRID_H
