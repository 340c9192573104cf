//===- Attention.cpp - Attention: checks, tensors, cache, FLOPs -----------===//

#include "frontend/mixers/Attention.h"
#include "frontend/SpecCheck.h"

#include <algorithm>

namespace hybrid::frontend {

void validate(const AttentionSpec &a, const detail::SpecChecker &check,
              const std::string &layerPath) {
  std::string p = layerPath + ".attention";
  check.dim(p + ".num_heads", a.numHeads);
  check.dim(p + ".num_kv_heads", a.numKvHeads);
  check.divides(p + ".num_kv_heads", a.numKvHeads, "num_heads", a.numHeads);
  check.dim(p + ".head_dim", a.headDim);
  check.dim(p + ".num_heads * head_dim", a.numHeads * a.headDim);
  if (a.rotaryDim < 0 || a.rotaryDim > a.headDim || a.rotaryDim % 2 != 0)
    check.fail(p + ".rotary_dim",
               "an even number in [0, head_dim = " + check.str(a.headDim) + "]",
               check.str(a.rotaryDim));
  if (a.rotaryDim > 0)
    check.positive(p + ".rope_theta", a.ropeTheta);
  check.dim(p + ".sliding_window", a.slidingWindow, 0, INT64_MAX);
  if (!std::isfinite(a.softmaxScale) || a.softmaxScale < 0)
    check.fail(p + ".softmax_scale", "a non-negative number (0 = 1/sqrt(head_dim))",
               check.str(a.softmaxScale));
  check.finite(p + ".input_multiplier", a.inputMultiplier);
  check.finite(p + ".key_multiplier", a.keyMultiplier);
  check.finite(p + ".output_multiplier", a.outputMultiplier);
}

void listWeights(const AttentionSpec &a, WeightList &w, bool outProj) {
  int64_t q = a.numHeads * a.headDim, kv = a.numKvHeads * a.headDim;
  if (a.fusedQkv) {
    w.linear("attn.qkv_proj.", w.hidden(), q + 2 * kv, a.qkvBias);
  } else {
    w.linear("attn.q_proj.", w.hidden(), q, a.qkvBias);
    w.linear("attn.k_proj.", w.hidden(), kv, a.qkvBias);
    w.linear("attn.v_proj.", w.hidden(), kv, a.qkvBias);
  }
  if (outProj)
    w.linear("attn.o_proj.", q, w.hidden(), a.outBias);
}

void listState(const AttentionSpec &a, StateList &s) {
  s.add("k_cache", {s.maxSeq(), a.numKvHeads, a.headDim});
  s.add("v_cache", {s.maxSeq(), a.numKvHeads, a.headDim});
}

namespace {

// Average keys attended per token over a prompt of n tokens (token t, 1-based,
// sees min(t, window) keys); window 0 = unlimited.
double prefillContext(int64_t n, int64_t window) {
  double N = double(n);
  if (window <= 0 || window >= n)
    return (N + 1.0) / 2.0;
  double W = double(window);
  return (W * (W + 1.0) / 2.0 + (N - W) * W) / N;
}

double decodeContext(int64_t n, int64_t window) {
  return double(window <= 0 ? n : std::min(n, window));
}

} // namespace

void countFlops(const AttentionSpec &a, const FlopContext &ctx, FlopCount &f, bool outProj) {
  double h = double(ctx.hidden), q = double(a.numHeads * a.headDim),
         kv = double(a.numKvHeads * a.headDim);
  f.both(linearFlops(h, q) + 2 * linearFlops(h, kv));
  if (outProj)
    f.both(linearFlops(q, h));
  // Scores and values: 4 heads headDim per key attended.
  double perKey = 4.0 * double(a.numHeads) * double(a.headDim);
  f.prefill += perKey * prefillContext(ctx.seqLen, a.slidingWindow);
  f.decode += perKey * decodeContext(ctx.seqLen, a.slidingWindow);
}

} // namespace hybrid::frontend
