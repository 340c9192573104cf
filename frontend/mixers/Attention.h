//===- Attention.h - Attention with an explicit KV cache --------*- C++ -*-===//
//
// Causal multi-head attention (MHA, GQA, MQA), optionally with RoPE, a
// sliding window and muP multipliers. Also the attention branch of the
// parallel and intra-layer mixers, which may leave out the output projection.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_MIXERS_ATTENTION_H
#define HYBRIDC_FRONTEND_MIXERS_ATTENTION_H

#include "frontend/mixers/Mixer.h"

namespace hybrid::frontend {

struct AttentionSpec {
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  bool qkvBias = false;
  bool outBias = false;
  bool fusedQkv = false;       // one qkv_proj [(nh + 2 nkv) hd, H], q|k|v rows
  double ropeTheta = 10000.0;
  int64_t rotaryDim = 0;       // leading dims of each head rotated; 0 = no RoPE
  bool ropeInterleaved = false; // pairs (2i, 2i+1) instead of (i, i + d/2)
  int64_t slidingWindow = 0;   // keys in (q - W, q]; 0 = full causal
  double softmaxScale = 0.0;   // 0 = 1/sqrt(headDim); else the scale itself
  double inputMultiplier = 1.0;  // x fed to the projections is x * this
  double keyMultiplier = 1.0;    // k = k_proj(x) * this (before RoPE)
  double outputMultiplier = 1.0; // o_proj output * this

  int64_t width() const { return numHeads * headDim; } // q rows, o_proj columns
};

// Fields under `layerPath`.attention.
void validate(const AttentionSpec &a, const detail::SpecChecker &check,
              const std::string &layerPath);
// attn.{q,k,v}_proj (or attn.qkv_proj), and attn.o_proj unless !outProj.
void listWeights(const AttentionSpec &a, WeightList &w, bool outProj = true);
// k_cache and v_cache [maxSeq, numKvHeads, headDim]: full length also for
// sliding-window layers.
void listState(const AttentionSpec &a, StateList &s);
void countFlops(const AttentionSpec &a, const FlopContext &ctx, FlopCount &f,
                bool outProj = true);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MIXERS_ATTENTION_H
