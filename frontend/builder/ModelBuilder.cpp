//===- ModelBuilder.cpp - ModelSpec to hybrid IR --------------------------===//

#include "frontend/builder/ModelBuilder.h"

#include "dialect/IR/HybridOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/ErrorHandling.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::hybrid;

namespace hybrid::frontend {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

/// Features of a valid ModelSpec that the IR cannot express yet.
std::optional<std::string> unsupportedFeature(const ModelSpec &spec) {
  for (const LayerSpec &l : spec.layers)
    if (l.ffn.kind == FfnKind::Moe && l.moe.nGroup > 1)
      return "layers[" + std::to_string(l.index) +
             "].moe.n_group: group-limited routing (n_group > 1) is not "
             "supported yet";
  return std::nullopt;
}

ActivationKind toActivation(Activation a) {
  switch (a) {
  case Activation::Silu:
    return ActivationKind::silu;
  case Activation::Gelu:
    return ActivationKind::gelu;
  case Activation::GeluTanh:
    return ActivationKind::gelu_tanh;
  case Activation::Relu:
    return ActivationKind::relu;
  case Activation::Relu2:
    return ActivationKind::relu2;
  }
  return ActivationKind::silu;
}

class Builder {
public:
  Builder(MLIRContext &ctx, const ModelSpec &spec, const BuildOptions &options)
      : ctx(ctx), spec(spec), options(options), b(&ctx),
        contract(getHybridDialect(&ctx)),
        fileLoc(FileLineColLoc::get(&ctx, spec.sourceFile, 1, 1)), loc(fileLoc),
        f32(Float32Type::get(&ctx)) {
    for (const WeightSpec &w : spec.weights())
      weightsByRole[{w.role, w.layer}] = w;
    for (const StateSpec &s : stateBuffers(spec, options.maxSeq))
      states.push_back(s);
  }

  OwningOpRef<ModuleOp> build() {
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc, spec.name);
    contract->getModelAttrHelper().setAttr(
        *module,
        ModelAttr::get(&ctx, b.getStringAttr(spec.name),
                       b.getStringAttr(spec.modelType), spec.vocabSize,
                       spec.hidden, spec.numLayers, spec.numCodebooks,
                       options.maxSeq, /*config_hash=*/nullptr));
    b.setInsertionPointToEnd(module->getBody());
    buildEntry("prefill", kDyn);
    b.setInsertionPointToEnd(module->getBody());
    buildEntry("decode", 1);
    if (spec.numCodebooks == 1) {
      // The greedy step returns the next token, not the logits: the caller
      // of a plain generation loop never needs them.
      b.setInsertionPointToEnd(module->getBody());
      buildEntry("decode_greedy", 1, /*greedy=*/true);
    }
    return module;
  }

private:
  /// Locates the ops built while it lives at a site of the model (a layer
  /// and a part, getSiteLoc), so rewrites, diagnostics and reports know the
  /// layer of every op without parsing names; restores the location after.
  struct SiteScope {
    SiteScope(Builder &builder, int64_t layer, StringRef part)
        : builder(builder), saved(builder.loc) {
      builder.loc = getSiteLoc(builder.fileLoc, layer, part);
    }
    ~SiteScope() { builder.loc = saved; }
    Builder &builder;
    Location saved;
  };

  //===--------------------------------------------------------------------===//
  // Types and small ops
  //===--------------------------------------------------------------------===//

  Type typeOf(DType t) {
    switch (t) {
    case DType::F32:
      return f32;
    case DType::BF16:
      return BFloat16Type::get(&ctx);
    case DType::F16:
      return Float16Type::get(&ctx);
    case DType::F64:
      return Float64Type::get(&ctx);
    }
    return f32;
  }

  /// Activation type [B, T, dims...].
  RankedTensorType act(ArrayRef<int64_t> dims) {
    SmallVector<int64_t> shape = {kDyn, seqLen};
    shape.append(dims.begin(), dims.end());
    return RankedTensorType::get(shape, f32);
  }

  int64_t lastDim(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape().back();
  }

  bool has(const std::string &role, int64_t layer) {
    return weightsByRole.count({role, layer}) != 0;
  }

  Value weight(const std::string &role, int64_t layer) {
    auto it = weightsByRole.find({role, layer});
    if (it == weightsByRole.end())
      llvm::report_fatal_error(llvm::Twine("hybridc: no weight with role '") +
                               role + "' in layer " + llvm::Twine(layer));
    const WeightSpec &w = it->second;
    Type elt = typeOf(options.weightDtype.value_or(w.dtype));
    return WeightOp::create(b, loc, RankedTensorType::get(w.shape, elt),
                            w.name);
  }

  Value optionalWeight(const std::string &role, int64_t layer) {
    return has(role, layer) ? weight(role, layer) : Value();
  }

  /// linear(x, PREFIX weight, PREFIX bias?).
  Value linear(Value x, const std::string &prefix, int64_t layer) {
    // "attn.q_proj." -> the site layers.N.attn.q_proj.
    SiteScope site(*this, layer, StringRef(prefix).drop_back());
    // Weight before bias: the order of hybrid.weight ops is the order of
    // the entry's weight arguments.
    Value w = weight(prefix + "weight", layer);
    Value bias = optionalWeight(prefix + "bias", layer);
    return linearWith(x, w, bias);
  }

  /// A linear with an explicit weight value (tied heads, slices).
  Value linearWith(Value x, Value w, Value bias = Value()) {
    auto xType = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape(xType.getShape());
    shape.back() = cast<RankedTensorType>(w.getType()).getDimSize(0);
    return LinearOp::create(b, loc, RankedTensorType::get(shape, f32), x, w,
                            bias);
  }

  Value scale(Value x, double factor) {
    if (factor == 1.0)
      return x;
    return ScaleOp::create(b, loc, x, b.getF64FloatAttr(factor));
  }

  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value activation(Value x, ActivationKind kind) {
    return ActivationOp::create(b, loc, kind, x);
  }
  /// An MLP activation as the models write it: relu² is Nemotron-H's
  /// square(relu(x)), relu(x) * relu(x); hybrid-raise-activations folds it
  /// back into one relu2.
  Value mlpActivation(Value x, ActivationKind kind) {
    if (kind != ActivationKind::relu2)
      return activation(x, kind);
    Value r = activation(x, ActivationKind::relu);
    return mul(r, r);
  }

  SmallVector<Value> split(Value x, ArrayRef<int64_t> sizes) {
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<Type> types;
    for (int64_t s : sizes) {
      SmallVector<int64_t> shape(type.getShape());
      shape.back() = s;
      types.push_back(RankedTensorType::get(shape, type.getElementType()));
    }
    auto op = SplitOp::create(b, loc, types, x, b.getDenseI64ArrayAttr(sizes));
    return llvm::to_vector_of<Value>(op.getResults());
  }

  Value norm(Value x, const NormSpec &n, const std::string &prefix,
             int64_t layer) {
    Value w = optionalWeight(prefix + "weight", layer);
    Value bias = optionalWeight(prefix + "bias", layer);
    switch (n.kind) {
    case NormKind::None:
      return x;
    case NormKind::RMS:
      return RMSNormOp::create(b, loc, x.getType(), x, w, bias,
                               b.getF64FloatAttr(n.eps));
    case NormKind::Layer:
      return LayerNormOp::create(b, loc, x.getType(), x, w, bias,
                                 b.getF64FloatAttr(n.eps));
    }
    return x;
  }

  /// [B, T, H*D] -> [B, T, H, D].
  Value splitHeads(Value x, int64_t heads, int64_t dim) {
    auto type = RankedTensorType::get({kDyn, seqLen, heads, dim},
                                      cast<RankedTensorType>(x.getType())
                                          .getElementType());
    SmallVector<OpFoldResult> sizes = {batchSize, seqSize, b.getIndexAttr(heads),
                                       b.getIndexAttr(dim)};
    return tensor::ExpandShapeOp::create(
        b, loc, type, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
        sizes);
  }

  /// [B, T, H, D] -> [B, T, H*D].
  Value mergeHeads(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    auto merged = RankedTensorType::get(
        {kDyn, seqLen, type.getDimSize(2) * type.getDimSize(3)},
        type.getElementType());
    return tensor::CollapseShapeOp::create(
        b, loc, merged, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  }

  Value emptyAct(ArrayRef<int64_t> dims) {
    SmallVector<OpFoldResult> sizes = {batchSize, seqSize};
    for (int64_t d : dims)
      sizes.push_back(b.getIndexAttr(d));
    return tensor::EmptyOp::create(b, loc, sizes, f32);
  }

  /// A norm of each of `groups` equal groups of the last dim of x [B, T, D],
  /// as the models compute it: x viewed as [B, T, G, D/G], normalized over
  /// the last dim with the weight and bias viewed as [G, D/G], viewed back.
  /// One group is a plain norm.
  Value groupedNorm(Value x, NormKind kind, double eps, Value w, Value bias,
                    int64_t groups) {
    int64_t dim = lastDim(x) / groups;
    auto perGroup = [&](Value param) -> Value {
      if (!param || groups == 1)
        return param;
      auto type = cast<RankedTensorType>(param.getType());
      return tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({groups, dim}, type.getElementType()),
          param, SmallVector<ReassociationIndices>{{0, 1}});
    };
    Value grouped = groups == 1 ? x : splitHeads(x, groups, dim);
    w = perGroup(w);
    bias = perGroup(bias);
    Value y = kind == NormKind::RMS
                  ? RMSNormOp::create(b, loc, grouped.getType(), grouped, w,
                                      bias, b.getF64FloatAttr(eps))
                        .getResult()
                  : LayerNormOp::create(b, loc, grouped.getType(), grouped, w,
                                        bias, b.getF64FloatAttr(eps))
                        .getResult();
    return groups == 1 ? y : mergeHeads(y);
  }

  //===--------------------------------------------------------------------===//
  // State
  //===--------------------------------------------------------------------===//

  Value &state(int64_t layer, const std::string &kind) {
    for (size_t i = 0; i < states.size(); ++i)
      if (states[i].layer == layer && states[i].kind == kind)
        return stateValues[i];
    llvm::report_fatal_error(llvm::Twine("hybridc: no state '") + kind +
                             "' for layer " + llvm::Twine(layer));
  }

  //===--------------------------------------------------------------------===//
  // Mixers: emitMixer(const <Kind>Spec &, x, layer) is the mixer's output
  // [B, T, H] for the normed input x, one kind a file (mixers/<Kind>.cpp);
  // mixer() picks the kind a layer has.
  //===--------------------------------------------------------------------===//

  /// The attention heads' output before the output projection, [B, T, Hq*Dh].
  Value attentionCore(const AttentionSpec &a, Value x, int64_t layer) {
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
        b.getF64FloatAttr(softmaxScale),
        b.getI64IntegerAttr(a.slidingWindow), b.getI64IntegerAttr(0),
        /*rotary_dim=*/b.getI64IntegerAttr(0), /*rope_theta=*/FloatAttr(),
        /*rope_interleaved=*/nullptr);
    kc = op.getNewKeyCache();
    vc = op.getNewValueCache();
    return mergeHeads(op.getResult());
  }

  Value emitMixer(const AttentionSpec &a, Value x, int64_t layer) {
    Value o = linear(attentionCore(a, x, layer), "attn.o_proj.", layer);
    return scale(o, a.outputMultiplier);
  }

  /// Conv weight [C, 1, K] -> [C, K].
  Value convWeight(int64_t layer) {
    Value w = weight("mamba.conv1d.weight", layer);
    auto type = cast<RankedTensorType>(w.getType());
    return tensor::CollapseShapeOp::create(
        b, loc,
        RankedTensorType::get({type.getDimSize(0), type.getDimSize(2)},
                              type.getElementType()),
        w, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  }

  /// -exp(A_log), in f32 whatever the weight dtype, as the models compute it
  /// (`-torch.exp(self.A_log.float())`): a bf16 exp would round the decay
  /// rates and needs a soft-float truncation the artifact does not link.
  Value negExp(Value aLog) {
    auto type = cast<RankedTensorType>(aLog.getType());
    if (!type.getElementType().isF32())
      aLog = arith::ExtFOp::create(b, loc, type.clone(b.getF32Type()), aLog);
    return arith::NegFOp::create(b, loc, math::ExpOp::create(b, loc, aLog));
  }

  /// A per-channel parameter [C] (widened to f32) broadcast over the batch
  /// and sequence dims of the activations, [B, T, C], as `x + p` does in
  /// PyTorch.
  Value broadcastChannels(Value p) {
    auto type = cast<RankedTensorType>(p.getType());
    if (!type.getElementType().isF32())
      p = arith::ExtFOp::create(b, loc, type.clone(f32), p);
    return linalg::BroadcastOp::create(b, loc, p, emptyAct(type.getShape()),
                                       ArrayRef<int64_t>{0, 1})
        ->getResult(0);
  }

  /// torch.clamp(x, lo, hi) as the scans' time-step limit is written: the
  /// lower bound only when positive (a softplus output is never below 0),
  /// the upper bound only when finite.
  Value clampTimeStep(Value dt, double lo, double hi) {
    auto bound = [&](double v) -> Value {
      Value c = arith::ConstantOp::create(b, loc, b.getFloatAttr(f32, v));
      return linalg::FillOp::create(b, loc, c, emptyAct({lastDim(dt)}))
          .getResult(0);
    };
    if (lo > 0.0)
      dt = arith::MaximumFOp::create(b, loc, dt, bound(lo));
    if (std::isfinite(hi))
      dt = arith::MinimumFOp::create(b, loc, dt, bound(hi));
    return dt;
  }

  Value conv(Value x, int64_t layer) {
    int64_t channels = lastDim(x);
    Value &cs = state(layer, "conv_state");
    auto op = CausalConv1dOp::create(
        b, loc, x, convWeight(layer), emptyAct({channels}), cs,
        optionalWeight("mamba.conv1d.bias", layer),
        ActivationKind::identity);
    cs = op.getNewState();
    // Unfused, as the model writes it; hybrid-fuse-conv-activation folds it.
    return activation(op.getResult(), ActivationKind::silu);
  }

  Value emitMixer(const Mamba1Spec &m, Value x, int64_t layer) {
    SmallVector<Value> xz =
        split(linear(x, "mamba.in_proj.", layer), {m.dInner, m.dInner});
    Value u = conv(xz[0], layer);
    SmallVector<Value> dbc = split(linear(u, "mamba.x_proj.", layer),
                                   {m.dtRank, m.dState, m.dState});
    Value dt = dbc[0], bm = dbc[1], cm = dbc[2];
    if (m.bcdtNorms) {
      NormSpec n{NormKind::RMS, m.bcdtNormEps, false};
      dt = norm(dt, n, "mamba.dt_norm.", layer);
      bm = norm(bm, n, "mamba.b_norm.", layer);
      cm = norm(cm, n, "mamba.c_norm.", layer);
    }
    // softplus(dt_proj(dt)) as HF's MambaMixer writes it;
    // hybrid-fold-dt-into-scan moves the bias and the softplus into the scan
    // (mamba_ssm's delta_bias and delta_softplus).
    Value delta = activation(linear(dt, "mamba.dt_proj.", layer),
                             ActivationKind::softplus);
    Value a = negExp(weight("mamba.A_log", layer));
    Value &ss = state(layer, "ssm_state");
    auto scan = SelectiveScanOp::create(
        b, loc, u, delta, a, bm, cm, emptyAct({m.dInner}), ss,
        weight("mamba.D", layer), xz[1], /*delta_bias=*/Value(),
        /*delta_softplus=*/nullptr);
    ss = scan.getNewState();
    return linear(scan.getResult(), "mamba.out_proj.", layer);
  }

  /// The Mamba-2 branch up to (not including) its output projection.
  Value mamba2Core(const Mamba2Spec &m, Value x, int64_t layer) {
    int64_t e = m.dInner(), gn = m.nGroups * m.dState;
    x = scale(x, m.inputMultiplier);
    SmallVector<Value> parts = split(linear(x, "mamba.in_proj.", layer),
                                     {e, e, gn, gn, m.nHeads});
    // muP multipliers of the in_proj sections [z, x, B, C, dt].
    for (int i = 0; i < 5; ++i)
      parts[i] = scale(parts[i], m.projMultipliers[i]);
    Value z = parts[0];
    // clamp(softplus(dt + dt_bias), time_step_limit) as the models write it;
    // hybrid-fold-dt-into-scan moves it into the scan.
    Value dt = activation(
        add(parts[4], broadcastChannels(weight("mamba.dt_bias", layer))),
        ActivationKind::softplus);
    dt = clampTimeStep(dt, m.dtMin, m.dtMax);
    Value xbc = tensor::ConcatOp::create(
        b, loc, act({m.convDim()}), 2,
        ValueRange{parts[1], parts[2], parts[3]});
    SmallVector<Value> conved = split(conv(xbc, layer), {e, gn, gn});
    Value x4 = splitHeads(conved[0], m.nHeads, m.headDim);
    Value b4 = splitHeads(conved[1], m.nGroups, m.dState);
    Value c4 = splitHeads(conved[2], m.nGroups, m.dState);
    Value a = negExp(weight("mamba.A_log", layer));
    Value &ss = state(layer, "ssm_state");
    auto scan = SSDScanOp::create(
        b, loc, x4, dt, a, b4, c4, emptyAct({m.nHeads, m.headDim}), ss,
        weight("mamba.D", layer), /*gate=*/Value(), /*dt_bias=*/Value(),
        b.getI64IntegerAttr(m.chunkSize), /*dt_softplus=*/nullptr,
        b.getF64FloatAttr(0.0), /*dt_max=*/FloatAttr());
    ss = scan.getNewState();
    Value y = mergeHeads(scan.getResult());
    Value gate = activation(z, ActivationKind::silu);
    if (!m.gatedNorm)
      return mul(y, gate);
    // MambaRMSNormGated as the models write it: the SiLU gate before or
    // after an RMS norm taken per group of the features;
    // hybrid-raise-norms folds it back into one hybrid.gated_rms_norm.
    if (!m.normBeforeGate)
      y = mul(y, gate);
    Value normed = groupedNorm(y, NormKind::RMS, m.normEps,
                               weight("mamba.norm.weight", layer), Value(),
                               std::max<int64_t>(m.normGroups, 1));
    return m.normBeforeGate ? mul(normed, gate) : normed;
  }

  Value emitMixer(const Mamba2Spec &m, Value x, int64_t layer) {
    Value o = linear(mamba2Core(m, x, layer), "mamba.out_proj.", layer);
    return scale(o, m.outputMultiplier);
  }

  /// Per-branch norm of an intra-layer hybrid: per head when groupNorm.
  Value branchNorm(Value x, const IntraHybridSpec &h, const std::string &prefix,
                   int64_t heads, int64_t layer) {
    NormSpec n{h.branchNorm, h.normEps, h.branchNorm == NormKind::Layer};
    if (!h.groupNorm || n.kind == NormKind::None)
      return norm(x, n, prefix, layer);
    Value w = optionalWeight(prefix + "weight", layer);
    Value bias = optionalWeight(prefix + "bias", layer);
    return groupedNorm(x, n.kind, n.eps, w, bias, heads);
  }

  Value emitMixer(const IntraHybridSpec &h, Value x, int64_t layer) {
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
        return tensor::ConcatOp::create(
            b, loc, act({lastDim(av) + lastDim(sv)}), 2, ValueRange{av, sv});
      }
      return av;
    };
    if (h.sharedOutProj)
      return linear(fuse(a, s), "intra.out_proj.", layer);
    return fuse(linear(a, "attn.o_proj.", layer),
                linear(s, "mamba.out_proj.", layer));
  }

  /// Falcon-H1: both branches read the same normed input; their output
  /// multipliers are applied inside each mixer.
  Value emitMixer(const ParallelSpec &p, Value x, int64_t layer) {
    Value a = emitMixer(p.attention, x, layer);
    Value s = emitMixer(p.mamba2, x, layer);
    return add(a, s);
  }

  /// A layer that is only its FFN.
  Value emitMixer(const NoMixer &, Value, int64_t) { return Value(); }

  /// The layer's mixer, whichever kind it is (builder/mixers/<Kind>.cpp).
  Value mixer(const LayerSpec &l, Value x) {
    return std::visit([&](const auto &m) { return emitMixer(m, x, l.index); },
                      l.mixer);
  }

  //===--------------------------------------------------------------------===//
  // Feed-forward
  //===--------------------------------------------------------------------===//

  Value ffn(const FfnSpec &f, Value x, const std::string &prefix,
            int64_t layer) {
    ActivationKind kind = toActivation(f.activation);
    switch (f.kind) {
    case FfnKind::None:
    case FfnKind::Moe:
      return Value();
    case FfnKind::Mlp: {
      Value h = mlpActivation(linear(x, prefix + "up_proj.", layer), kind);
      return scale(linear(h, prefix + "down_proj.", layer), f.downMultiplier);
    }
    case FfnKind::GatedMlp: {
      Value gate, up;
      if (f.fusedGateUp) {
        SmallVector<Value> gu = split(linear(x, prefix + "gate_up_proj.", layer),
                                      {f.intermediate, f.intermediate});
        gate = f.gateFirst ? gu[0] : gu[1];
        up = f.gateFirst ? gu[1] : gu[0];
      } else {
        gate = linear(x, prefix + "gate_proj.", layer);
        up = linear(x, prefix + "up_proj.", layer);
      }
      Value h = mul(mlpActivation(scale(gate, f.gateMultiplier), kind), up);
      return scale(linear(h, prefix + "down_proj.", layer), f.downMultiplier);
    }
    }
    return Value();
  }

  /// Slice [E, rows, cols] -> rows [offset, offset + count) of every expert.
  Value expertRows(Value w, int64_t offset, int64_t count) {
    auto type = cast<RankedTensorType>(w.getType());
    auto sliceType = RankedTensorType::get(
        {type.getDimSize(0), count, type.getDimSize(2)}, type.getElementType());
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0),
                                         b.getIndexAttr(offset),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(type.getDimSize(0)),
                                       b.getIndexAttr(count),
                                       b.getIndexAttr(type.getDimSize(2))};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, sliceType, w, offsets, sizes,
                                          strides);
  }

  Value stackedExperts(const MoeSpec &m, const std::string &which,
                       int64_t layer) {
    SmallVector<StringRef> names;
    std::vector<std::string> storage;
    SmallVector<int64_t> shape;
    Type elt;
    for (int64_t e = 0; e < m.numExperts; ++e) {
      const WeightSpec &w = weightsByRole.at(
          {"moe.experts." + std::to_string(e) + "." + which + ".weight", layer});
      storage.push_back(w.name);
      if (shape.empty()) {
        shape.push_back(m.numExperts);
        shape.append(w.shape.begin(), w.shape.end());
        elt = typeOf(options.weightDtype.value_or(w.dtype));
      }
    }
    for (const std::string &s : storage)
      names.push_back(s);
    return StackedWeightOp::create(b, loc, RankedTensorType::get(shape, elt),
                                   b.getStrArrayAttr(names));
  }

  Value moe(const MoeSpec &m, Value x, int64_t layer) {
    bool gated = m.expert.kind == FfnKind::GatedMlp;
    int64_t i = m.expert.intermediate;
    Value gate, up, down;
    if (m.layout == ExpertLayout::Stacked) {
      if (gated) {
        Value gu = weight("moe.experts.gate_up_proj", layer);
        Value first = expertRows(gu, 0, i), second = expertRows(gu, i, i);
        gate = m.expert.gateFirst ? first : second;
        up = m.expert.gateFirst ? second : first;
      } else {
        up = weight("moe.experts.up_proj", layer);
      }
      down = weight("moe.experts.down_proj", layer);
    } else {
      if (gated)
        gate = stackedExperts(m, "gate_proj", layer);
      up = stackedExperts(m, "up_proj", layer);
      down = stackedExperts(m, "down_proj", layer);
    }
    Value bias = m.correctionBias
                     ? weight("moe.router.correction_bias", layer)
                     : Value();
    Value y = MoEOp::create(
        b, loc, x.getType(), x, weight("moe.router.weight", layer), up, down,
        gate, bias, b.getI64IntegerAttr(m.topK),
        ActivationKindAttr::get(&ctx, toActivation(m.expert.activation)),
        RouterScoringAttr::get(&ctx,
                               m.scoring == frontend::RouterScoring::Softmax
                                   ? mlir::hybrid::RouterScoring::softmax
                                   : mlir::hybrid::RouterScoring::sigmoid),
        m.normTopK ? b.getUnitAttr() : nullptr,
        b.getF64FloatAttr(m.routedScaling));
    if (m.shared.kind != FfnKind::None)
      y = add(y, ffn(m.shared, x, "moe.shared.", layer));
    return y;
  }

  //===--------------------------------------------------------------------===//
  // Entry points
  //===--------------------------------------------------------------------===//

  void buildEntry(StringRef name, int64_t tokens, bool greedy = false) {
    seqLen = tokens;
    int64_t v = spec.outputVocabSize > 0 ? spec.outputVocabSize : spec.vocabSize;
    int64_t codebooks = spec.numCodebooks;
    auto i64 = b.getI64Type();
    Type tokensType =
        codebooks == 1
            ? RankedTensorType::get({kDyn, seqLen}, i64)
            : RankedTensorType::get({kDyn, seqLen, codebooks}, i64);
    Type positionType = RankedTensorType::get({kDyn}, i64);
    Type logitsType = codebooks == 1 ? act({v}) : act({codebooks, v});
    Type nextTokenType = RankedTensorType::get({kDyn, seqLen}, i64);

    SmallVector<Type> args = {tokensType, positionType},
                      results = {greedy ? nextTokenType : logitsType};
    SmallVector<DictionaryAttr> argAttrs, resultAttrs;
    auto role = [&](ArgRole r) {
      return b.getDictionaryAttr(b.getNamedAttr(
          contract->getRoleAttrHelper().getName(), ArgRoleAttr::get(&ctx, r)));
    };
    argAttrs = {role(ArgRole::tokens), role(ArgRole::position)};
    resultAttrs = {role(greedy ? ArgRole::next_token : ArgRole::logits)};
    for (const StateSpec &s : states) {
      SmallVector<int64_t> shape = {kDyn};
      shape.append(s.shape.begin(), s.shape.end());
      Type t = RankedTensorType::get(shape, typeOf(s.dtype));
      std::optional<StateKind> kind = symbolizeStateKind(s.kind);
      if (!kind)
        llvm::report_fatal_error(llvm::Twine("hybridc: state '") + s.name +
                                 "' has unknown kind '" + s.kind + "'");
      DictionaryAttr attr = b.getDictionaryAttr(b.getNamedAttr(
          contract->getStateAttrHelper().getName(),
          StateAttr::get(&ctx, b.getStringAttr(s.name), s.layer, *kind,
                         StateScope::sequence)));
      args.push_back(t);
      results.push_back(t);
      argAttrs.push_back(attr);
      resultAttrs.push_back(attr);
    }
    auto func = func::FuncOp::create(b, loc, name,
                                     b.getFunctionType(args, results));
    func.setAllArgAttrs(argAttrs);
    func.setAllResultAttrs(resultAttrs);
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToStart(entry);

    Value ids = entry->getArgument(0);
    position = entry->getArgument(1);
    stateValues.assign(entry->getArguments().begin() + 2,
                       entry->getArguments().end());
    batchSize = tensor::DimOp::create(b, loc, ids, 0).getResult();
    seqSize = seqLen == kDyn
                  ? OpFoldResult(tensor::DimOp::create(b, loc, ids, 1).getResult())
                  : OpFoldResult(b.getIndexAttr(seqLen));

    // Embeddings (summed over codebooks).
    std::optional<SiteScope> site;
    site.emplace(*this, -1, "embed");
    Value h;
    for (int64_t c = 0; c < codebooks; ++c) {
      std::string role = codebooks == 1 ? "embed.weight"
                                        : "embed." + std::to_string(c) + ".weight";
      Value table = weight(role, -1);
      Value cIds = ids;
      if (codebooks > 1) {
        SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                             b.getIndexAttr(c)};
        SmallVector<OpFoldResult> sizes = {batchSize, seqSize, b.getIndexAttr(1)};
        SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
        cIds = tensor::ExtractSliceOp::create(
            b, loc, RankedTensorType::get({kDyn, seqLen}, i64), ids, offsets,
            sizes, strides);
      }
      Value e = EmbeddingOp::create(b, loc, act({spec.hidden}), table, cIds);
      h = h ? add(h, e) : e;
    }
    h = scale(h, spec.embeddingMultiplier);

    for (const LayerSpec &l : spec.layers) {
      if (l.hasMixer()) {
        site.emplace(*this, l.index, "mixer");
        Value m = mixer(l, norm(h, l.mixerNorm, "mixer_norm.", l.index));
        h = add(h, scale(m, spec.residualMultiplier));
      }
      if (l.ffn.kind != FfnKind::None) {
        site.emplace(*this, l.index, "ffn");
        Value n = norm(h, l.ffnNorm, "ffn_norm.", l.index);
        Value f = l.ffn.kind == FfnKind::Moe ? moe(l.moe, n, l.index)
                                              : ffn(l.ffn, n, "ffn.", l.index);
        h = add(h, scale(f, spec.residualMultiplier));
      }
    }
    site.emplace(*this, -1, "final_norm");
    h = norm(h, spec.finalNorm, "final_norm.", -1);

    site.emplace(*this, -1, "lm_head");
    Value logits;
    if (codebooks == 1) {
      Value head = spec.tiedEmbeddings ? weight("embed.weight", -1)
                                       : weight("lm_head.weight", -1);
      logits = linearWith(h, head);
    } else {
      SmallVector<Value> heads;
      for (int64_t c = 0; c < codebooks; ++c) {
        std::string suffix = std::to_string(c) + ".weight";
        Value head = spec.tiedEmbeddings ? weight("embed." + suffix, -1)
                                         : weight("lm_head." + suffix, -1);
        Value one = linearWith(h, head);
        heads.push_back(tensor::ExpandShapeOp::create(
            b, loc, act({1, v}), one,
            SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
            SmallVector<OpFoldResult>{batchSize, seqSize, b.getIndexAttr(1),
                                      b.getIndexAttr(v)}));
      }
      logits = tensor::ConcatOp::create(b, loc, logitsType, 2, heads);
    }
    logits = scale(logits, spec.logitsMultiplier);
    if (greedy)
      logits = ArgmaxOp::create(b, loc, nextTokenType, logits);

    site.reset();
    SmallVector<Value> returned = {logits};
    returned.append(stateValues.begin(), stateValues.end());
    func::ReturnOp::create(b, loc, returned);
  }

  MLIRContext &ctx;
  const ModelSpec &spec;
  BuildOptions options;
  OpBuilder b;
  HybridDialect *contract;
  /// The config file; every op is located at a site of the model in it.
  Location fileLoc;
  /// Where the ops being built now stand (a SiteScope sets it).
  Location loc;
  Type f32;
  std::map<std::pair<std::string, int64_t>, WeightSpec> weightsByRole;
  std::vector<StateSpec> states;

  // Per entry point.
  int64_t seqLen = kDyn;
  Value position;
  OpFoldResult batchSize, seqSize;
  SmallVector<Value> stateValues;
};

} // namespace

OwningOpRef<ModuleOp> buildModel(MLIRContext &context, const ModelSpec &spec,
                                 const BuildOptions &options,
                                 std::string &error) {
  context.loadDialect<HybridDialect, arith::ArithDialect, func::FuncDialect,
                      linalg::LinalgDialect, math::MathDialect,
                      tensor::TensorDialect>();
  if (std::optional<std::string> feature = unsupportedFeature(spec)) {
    error = spec.sourceFile + ": " + *feature;
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = Builder(context, spec, options).build();
  if (failed(verify(*module))) {
    error = spec.sourceFile + ": internal error: the built IR does not verify";
    return nullptr;
  }
  return module;
}

} // namespace hybrid::frontend
