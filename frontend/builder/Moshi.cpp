//===- Moshi.cpp - Moshi: temporal transformer, depth loop, entry points --===//
//
// Moshi (moshi.models.lm.LMModel) runs a temporal transformer once per frame
// over the sum of its text and audio embeddings, then a depth transformer
// once per audio codebook it produces, each step embedding the token the
// step before chose (the text token for step 0) and attending over this
// frame's earlier steps only. Two entry points (docs/ABI.md):
//
//   @prefill  teacher-forced, as LMModel.forward: tokens [B, T, 1 + n_q]
//             (the delayed input of every position), depth_tokens
//             [B, T, dep_q] (what each depth step embeds there) -> the text
//             logits [B, T, text_card_out] and audio_logits
//             [B, T, dep_q, card]. Every position's depth pass is its own
//             sequence: the depth runs over B * T rows with a local cache.
//   @decode   the same for one position (T = 1), which the ABI asks of
//             every model.
//   @frame    one frame, as LMGen.step: tokens [B, 1, 1 + n_q] -> the text
//             token and the dep_q audio tokens [B, 1, 1 + dep_q], greedy,
//             with the whole depth loop inside: the depth cache is a state
//             of scope frame that the entry point zeroes first.
//
// Per-step weights are chosen here, when the steps are unrolled: step s
// reads weight set weightSet[s] (a slice of a stacked checkpoint tensor, or
// its own tensor) and depformer_in[inputOf[s]].
//
//===----------------------------------------------------------------------===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

/// Column c of ids [B, T, C] -> [B, T].
Value ModelIRBuilder::column(Value ids, int64_t c) {
  auto type = cast<RankedTensorType>(ids.getType());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                       b.getIndexAttr(c)};
  SmallVector<OpFoldResult> sizes = {batchSize, seqSize, b.getIndexAttr(1)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({kDyn, seqLen}, type.getElementType()),
      ids, offsets, sizes, strides);
}

/// A tensor of |shape| (OpFoldResults) filled with |value|.
Value ModelIRBuilder::filled(ArrayRef<OpFoldResult> shape, Type elt,
                             TypedAttr value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, elt);
  Value cst = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, ValueRange{cst}, ValueRange{empty})
      .getResult(0);
}

/// The weight of depth layer |layer| for weight set |set|: rows
/// [set * rows, (set + 1) * rows) of a stacked checkpoint tensor, or the
/// set's own tensor.
Value ModelIRBuilder::depthWeight(const std::string &proj, int64_t layer,
                                  int64_t set, int64_t rows) {
  const MoshiSpec &m = *spec.moshi;
  if (!m.stackedProjections)
    return weight(m.depth.perStep ? proj + "." + std::to_string(set) + ".weight"
                                  : proj + ".weight",
                  layer);
  Value w = weight(proj + ".weight", layer);
  auto type = cast<RankedTensorType>(w.getType());
  if (type.getDimSize(0) == rows)
    return w;
  int64_t cols = type.getDimSize(1);
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(set * rows),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(rows), b.getIndexAttr(cols)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({rows, cols}, type.getElementType()), w,
      offsets, sizes, strides);
}

/// The temporal transformer over ids [B, T, 1 + n_q]: the audio embeddings
/// summed, plus the text embedding (LMModel.forward_text's order), the
/// layers, out_norm.
Value ModelIRBuilder::moshiTemporal(Value ids) {
  const MoshiSpec &m = *spec.moshi;
  std::optional<SiteScope> site;
  site.emplace(*this, -1, "embed");
  Value h;
  for (int64_t c = 0; c < m.numAudio; ++c) {
    Value e = EmbeddingOp::create(b, loc, act({spec.hidden}),
                                  weight("emb." + std::to_string(c) + ".weight", -1),
                                  column(ids, 1 + c));
    h = h ? add(h, e) : e;
  }
  Value text = EmbeddingOp::create(b, loc, act({spec.hidden}),
                                   weight("text_emb.weight", -1), column(ids, 0));
  h = add(h, text);
  for (const LayerSpec &l : spec.layers) {
    site.emplace(*this, l.index, "mixer");
    h = add(h, mixer(l, norm(h, l.mixerNorm, "mixer_norm.", l.index)));
    site.emplace(*this, l.index, "ffn");
    h = add(h, ffn(l.ffn, norm(h, l.ffnNorm, "ffn_norm.", l.index), "ffn.", l.index));
  }
  site.emplace(*this, -1, "final_norm");
  return norm(h, spec.finalNorm, "out_norm.", -1);
}

/// Depth step |s| over x [B', 1, depformer_dim] at depth position |pos|
/// ([B'], all s), updating |caches| (k, v per depth layer): the step's
/// logits [B', 1, card].
Value ModelIRBuilder::depthStep(int64_t s, Value x, Value pos,
                                MutableArrayRef<Value> caches) {
  const DepthSpec &d = spec.moshi->depth;
  const AttentionSpec &a = d.attention;
  int64_t set = d.weightSet[size_t(s)];
  int64_t qRows = a.width(), kvRows = a.numKvHeads * a.headDim;
  for (int64_t j = 0; j < d.numLayers; ++j) {
    int64_t layer = spec.numLayers + j;
    std::optional<SiteScope> site;
    site.emplace(*this, layer, "mixer");
    Value n = norm(x, d.norm, "mixer_norm.", layer);
    Value qkv = linearWith(n, depthWeight("attn.qkv_proj", layer, set,
                                          qRows + 2 * kvRows));
    SmallVector<Value> parts = split(qkv, {qRows, kvRows, kvRows});
    Value q4 = splitHeads(parts[0], a.numHeads, a.headDim);
    Value k4 = splitHeads(parts[1], a.numKvHeads, a.headDim);
    Value v4 = splitHeads(parts[2], a.numKvHeads, a.headDim);
    if (a.rotaryDim > 0) {
      auto rope = [&](Value t) {
        return RoPEOp::create(b, loc, t.getType(), t, pos,
                              b.getF64FloatAttr(a.ropeTheta),
                              b.getI64IntegerAttr(a.rotaryDim),
                              a.ropeInterleaved ? b.getUnitAttr() : nullptr)
            .getResult();
      };
      q4 = rope(q4);
      k4 = rope(k4);
    }
    Value &kc = caches[size_t(2 * j)];
    Value &vc = caches[size_t(2 * j + 1)];
    auto op = AttentionOp::create(
        b, loc, q4, k4, v4, pos, emptyAct({a.numHeads, a.headDim}), kc, vc,
        b.getF64FloatAttr(1.0 / std::sqrt(double(a.headDim))),
        b.getI64IntegerAttr(0), b.getI64IntegerAttr(0),
        /*rotary_dim=*/b.getI64IntegerAttr(0), /*rope_theta=*/FloatAttr(),
        /*rope_interleaved=*/nullptr);
    kc = op.getNewKeyCache();
    vc = op.getNewValueCache();
    Value o = linearWith(mergeHeads(op.getResult()),
                         depthWeight("attn.o_proj", layer, set, d.dim));
    x = add(x, o);
    site.emplace(*this, layer, "ffn");
    std::string prefix = d.perStep ? "ffn." + std::to_string(set) + "." : "ffn.";
    x = add(x, ffn(d.ffn[size_t(set)], norm(x, d.norm, "ffn_norm.", layer),
                   prefix, layer));
  }
  SiteScope site(*this, -1, "lm_head");
  std::string step = std::to_string(s);
  x = norm(x, d.outNorm, "depformer_norms." + step + ".", -1);
  return linear(x, "linears." + step + ".", -1);
}

/// The input of depth step |s|: depformer_in[inputOf[s]] of the temporal
/// output |h| [B', 1, dim] plus the embedding of |prev| [B', 1] (the text
/// token at step 0, else the audio token of step s - 1).
Value ModelIRBuilder::depthInput(int64_t s, Value h, Value prev) {
  const DepthSpec &d = spec.moshi->depth;
  SiteScope site(*this, -1, "depth_input");
  Value in = linear(h, "depformer_in." + std::to_string(d.inputOf[size_t(s)]) + ".", -1);
  std::string table = s == 0 ? "depformer_text_emb.weight"
                             : "depformer_emb." + std::to_string(s - 1) + ".weight";
  Value tok = EmbeddingOp::create(b, loc, act({d.dim}), weight(table, -1), prev);
  return add(in, tok);
}

/// [B, T, rest...] <-> [B * T, 1, rest...]: a teacher-forced pass runs the
/// depth transformer with every position as its own sequence.
Value ModelIRBuilder::rowsToBatch(Value x, OpFoldResult rows) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> flat = {kDyn};
  SmallVector<ReassociationIndices> groups = {{0, 1}};
  SmallVector<int64_t> shape = {kDyn, 1};
  SmallVector<OpFoldResult> sizes = {rows, b.getIndexAttr(1)};
  for (int64_t i = 2; i < type.getRank(); ++i) {
    flat.push_back(type.getDimSize(i));
    groups.push_back({i});
    shape.push_back(type.getDimSize(i));
    sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
  }
  Value collapsed = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(flat, type.getElementType()), x, groups);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), collapsed,
      groups, sizes);
}

/// [B * T, 1, V] -> [B, T, 1, V] (the codebook dim the steps are
/// concatenated along). A tensor.reshape, not an expand_shape: splitting one
/// dynamic dim into two dynamic ones crashes upstream
/// expand-strided-metadata (LLVM 22).
Value ModelIRBuilder::batchToRows(Value x, OpFoldResult batch, OpFoldResult seq) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t v = type.getDimSize(2);
  SmallVector<Value> dims = {getValueOrCreateConstantIndexOp(b, loc, batch),
                             getValueOrCreateConstantIndexOp(b, loc, seq),
                             arith::ConstantIndexOp::create(b, loc, 1),
                             arith::ConstantIndexOp::create(b, loc, v)};
  Value shape = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({4}, b.getIndexType()), dims);
  return tensor::ReshapeOp::create(
      b, loc, RankedTensorType::get({kDyn, seqLen, 1, v}, type.getElementType()), x,
      shape);
}

void ModelIRBuilder::buildMoshiEntry(StringRef name, int64_t tokens, bool frame) {
  const MoshiSpec &m = *spec.moshi;
  const DepthSpec &d = m.depth;
  seqLen = tokens;
  auto i64 = b.getI64Type();
  int64_t streams = 1 + m.numAudio;
  auto role = [&](ArgRole r) {
    return b.getDictionaryAttr(b.getNamedAttr(
        contract->getRoleAttrHelper().getName(), ArgRoleAttr::get(&ctx, r)));
  };
  SmallVector<Type> args = {RankedTensorType::get({kDyn, seqLen, streams}, i64)};
  SmallVector<DictionaryAttr> argAttrs = {role(ArgRole::tokens)};
  SmallVector<Type> results;
  SmallVector<DictionaryAttr> resultAttrs;
  if (frame) {
    results.push_back(RankedTensorType::get({kDyn, 1, 1 + d.steps}, i64));
    resultAttrs.push_back(role(ArgRole::next_token));
  } else {
    args.push_back(RankedTensorType::get({kDyn, seqLen, d.steps}, i64));
    argAttrs.push_back(role(ArgRole::depth_tokens));
    results.push_back(act({m.textOut}));
    resultAttrs.push_back(role(ArgRole::logits));
    results.push_back(act({d.steps, m.card}));
    resultAttrs.push_back(role(ArgRole::audio_logits));
  }
  args.push_back(RankedTensorType::get({kDyn}, i64));
  argAttrs.push_back(role(ArgRole::position));
  size_t firstState = args.size();
  // The teacher-forced pass keeps its depth caches local: only @frame
  // carries the frame-scoped ones.
  SmallVector<size_t> stateIndex;
  for (size_t i = 0; i < states.size(); ++i) {
    const StateSpec &s = states[i];
    if (s.perFrame && !frame)
      continue;
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
                       s.perFrame ? StateScope::frame : StateScope::sequence)));
    args.push_back(t);
    results.push_back(t);
    argAttrs.push_back(attr);
    resultAttrs.push_back(attr);
    stateIndex.push_back(i);
  }
  auto func = func::FuncOp::create(b, loc, name, b.getFunctionType(args, results));
  func.setAllArgAttrs(argAttrs);
  func.setAllResultAttrs(resultAttrs);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);

  Value ids = entry->getArgument(0);
  Value depthIds = frame ? Value() : entry->getArgument(1);
  position = entry->getArgument(frame ? 1 : 2);
  stateValues.assign(states.size(), Value());
  for (auto [k, i] : llvm::enumerate(stateIndex))
    stateValues[i] = entry->getArgument(unsigned(firstState + k));
  batchSize = tensor::DimOp::create(b, loc, ids, 0).getResult();
  seqSize = seqLen != kDyn ? OpFoldResult(b.getIndexAttr(seqLen))
                          : OpFoldResult(tensor::DimOp::create(b, loc, ids, 1).getResult());

  Value h = moshiTemporal(ids);
  Value textLogits;
  {
    SiteScope site(*this, -1, "lm_head");
    textLogits = linear(h, "text_linear.", -1);
  }

  // The depth transformer: B' rows of one position each.
  OpFoldResult batch = batchSize, seq = seqSize;
  int64_t savedSeqLen = seqLen;
  OpFoldResult rows = batchSize;
  if (!frame) {
    Value bt = arith::MulIOp::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, batchSize),
                                     getValueOrCreateConstantIndexOp(b, loc, seqSize));
    rows = bt;
    h = rowsToBatch(h, rows);
    depthIds = rowsToBatch(depthIds, rows);
  }
  seqLen = 1;
  batchSize = rows;
  seqSize = b.getIndexAttr(1);

  // The depth caches: the frame-scoped states, zeroed here (a frame starts
  // an empty depth sequence, as DepFormer.streaming() does each step), or
  // local ones for the teacher-forced pass.
  SmallVector<Value> caches;
  {
    SiteScope site(*this, -1, "depth_cache");
    for (size_t i = 0; i < states.size(); ++i) {
      if (!states[i].perFrame)
        continue;
      SmallVector<OpFoldResult> shape = {rows};
      for (int64_t dim : states[i].shape)
        shape.push_back(b.getIndexAttr(dim));
      Type elt = typeOf(states[i].dtype);
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
      Value into = frame ? stateValues[i]
                         : Value(tensor::EmptyOp::create(b, loc, shape, elt));
      caches.push_back(
          linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{into})
              .getResult(0));
    }
  }

  SmallVector<Value> sampled, stepLogits;
  Value prev;
  if (frame) {
    SiteScope site(*this, -1, "lm_head");
    prev = ArgmaxOp::create(b, loc, RankedTensorType::get({kDyn, 1}, i64), textLogits);
    sampled.push_back(prev);
  }
  for (int64_t s = 0; s < d.steps; ++s) {
    Value pos;
    {
      SiteScope site(*this, -1, "depth_position");
      pos = filled({rows}, i64, b.getI64IntegerAttr(s));
    }
    Value in = depthInput(s, h, frame ? prev : column(depthIds, s));
    Value logits = depthStep(s, in, pos, caches);
    if (frame) {
      SiteScope site(*this, -1, "lm_head");
      prev = ArgmaxOp::create(b, loc, RankedTensorType::get({kDyn, 1}, i64), logits);
      sampled.push_back(prev);
    } else {
      stepLogits.push_back(logits);
    }
  }
  seqLen = savedSeqLen;
  batchSize = batch;
  seqSize = seq;

  SmallVector<Value> returned;
  if (frame) {
    // [B, 1] each -> [B, 1, 1 + dep_q]: the text token, then the audio ones.
    SmallVector<Value> parts;
    for (Value t : sampled)
      parts.push_back(tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({kDyn, 1, 1}, i64), t,
          SmallVector<ReassociationIndices>{{0}, {1, 2}},
          SmallVector<OpFoldResult>{batchSize, b.getIndexAttr(1), b.getIndexAttr(1)}));
    returned.push_back(tensor::ConcatOp::create(
        b, loc, RankedTensorType::get({kDyn, 1, 1 + d.steps}, i64), 2, parts));
  } else {
    SmallVector<Value> parts;
    for (Value l : stepLogits)
      parts.push_back(batchToRows(l, batchSize, seqSize));
    returned.push_back(textLogits);
    returned.push_back(tensor::ConcatOp::create(
        b, loc, RankedTensorType::get({kDyn, seqLen, d.steps, m.card}, f32), 2, parts));
  }
  // The frame states' new values are the caches after the last step.
  size_t c = 0;
  for (size_t i = 0; i < states.size(); ++i)
    if (states[i].perFrame && frame)
      stateValues[i] = caches[c++];
  for (size_t i : stateIndex)
    returned.push_back(stateValues[i]);
  func::ReturnOp::create(b, loc, returned);
}

} // namespace hybrid::frontend::detail
