//===- Attention.cpp - Attention: projections, RoPE, cached attention -----===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

/// The attention heads' output before the output projection, [B, T, Hq*Dh].
Value ModelIRBuilder::attentionCore(const AttentionSpec &a, Value x,
                                    int64_t layer) {
  x = scale(x, a.inputMultiplier);
  int64_t q = a.numHeads * a.headDim, kv = a.numKvHeads * a.headDim;
  Value qp, kp, vp;
  if (a.fusedQkv) {
    SmallVector<Value> parts =
        split(linear(x, "attn.qkv_proj.", layer), {q, kv, kv});
    qp = parts[0], kp = parts[1], vp = parts[2];
  } else {
    qp = linear(x, "attn.q_proj.", layer);
    kp = linear(x, "attn.k_proj.", layer);
    vp = linear(x, "attn.v_proj.", layer);
  }
  kp = scale(kp, a.keyMultiplier);
  Value q4 = splitHeads(qp, a.numHeads, a.headDim);
  Value k4 = splitHeads(kp, a.numKvHeads, a.headDim);
  Value v4 = splitHeads(vp, a.numKvHeads, a.headDim);
  if (a.rotaryDim > 0) {
    auto rope = [&](Value t) {
      return RoPEOp::create(b, loc, t.getType(), t, position,
                            b.getF64FloatAttr(a.ropeTheta),
                            b.getI64IntegerAttr(a.rotaryDim),
                            a.ropeInterleaved ? b.getUnitAttr() : nullptr)
          .getResult();
    };
    q4 = rope(q4);
    k4 = rope(k4);
  }
  double softmaxScale = a.softmaxScale > 0.0
                            ? a.softmaxScale
                            : 1.0 / std::sqrt(static_cast<double>(a.headDim));
  Value init = emptyAct({a.numHeads, a.headDim});
  Value &kc = state(layer, "k_cache");
  Value &vc = state(layer, "v_cache");
  auto op = AttentionOp::create(
      b, loc, q4, k4, v4, position, init, kc, vc,
      b.getF64FloatAttr(softmaxScale), b.getI64IntegerAttr(a.slidingWindow),
      b.getI64IntegerAttr(0),
      /*rotary_dim=*/b.getI64IntegerAttr(0), /*rope_theta=*/FloatAttr(),
      /*rope_interleaved=*/nullptr);
  kc = op.getNewKeyCache();
  vc = op.getNewValueCache();
  return mergeHeads(op.getResult());
}

Value ModelIRBuilder::emitMixer(const AttentionSpec &a, Value x,
                                int64_t layer) {
  Value o = linear(attentionCore(a, x, layer), "attn.o_proj.", layer);
  return scale(o, a.outputMultiplier);
}

} // namespace hybrid::frontend::detail
