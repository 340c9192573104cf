//===- EntryPoints.cpp - The module and its entry points ------------------===//
//
// @prefill (tokens of every sequence -> logits of every position), @decode
// (one token per sequence -> its logits) and @decode_greedy (-> the next
// token): each takes the state buffers and returns them updated
// (docs/ABI.md). An entry point is embeddings, the layers and the head.
// Multi-codebook models also get @frame (one frame's tokens -> the next
// frame's, greedy), and models whose prompts begin with given hidden vectors
// @prefill_embeds (hidden vectors instead of embedded tokens -> logits).
//
//===----------------------------------------------------------------------===//

#include "frontend/builder/BuilderCore.h"

namespace hybrid::frontend::detail {

namespace {

/// Features of a valid ModelSpec that the IR cannot express yet.
std::optional<std::string> unsupportedFeature(const ModelSpec &spec) {
  for (const LayerSpec &l : spec.layers)
    if (l.ffn.kind == FfnKind::Moe && l.moe.nGroup > 1)
      return "layers[" + std::to_string(l.index) +
             "].moe.n_group: group-limited routing (n_group > 1) is not "
             "supported yet";
  return std::nullopt;
}

} // namespace

OwningOpRef<ModuleOp> ModelIRBuilder::build() {
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc, spec.name);
  DenseI64ArrayAttr delays, initial;
  if (spec.moshi) {
    delays = b.getDenseI64ArrayAttr(spec.moshi->delays);
    SmallVector<int64_t> init = {spec.moshi->textCard};
    init.append(size_t(spec.moshi->numAudio), spec.moshi->card);
    initial = b.getDenseI64ArrayAttr(init);
  }
  contract->getModelAttrHelper().setAttr(
      *module, ModelAttr::get(&ctx, b.getStringAttr(spec.name),
                              b.getStringAttr(spec.modelType), spec.vocabSize,
                              spec.hidden, spec.numLayers, spec.numCodebooks,
                              options.maxSeq, /*config_hash=*/nullptr,
                              spec.frameRate > 0
                                  ? b.getF64FloatAttr(spec.frameRate)
                                  : FloatAttr(),
                              delays, initial));
  if (spec.moshi) {
    b.setInsertionPointToEnd(module->getBody());
    buildMoshiEntry("prefill", kDyn, /*frame=*/false);
    b.setInsertionPointToEnd(module->getBody());
    buildMoshiEntry("decode", 1, /*frame=*/false);
    b.setInsertionPointToEnd(module->getBody());
    buildMoshiEntry("frame", 1, /*frame=*/true);
    return module;
  }
  b.setInsertionPointToEnd(module->getBody());
  buildEntry("prefill", kDyn);
  b.setInsertionPointToEnd(module->getBody());
  buildEntry("decode", 1);
  // The greedy step returns the next token (one per codebook: a frame), not
  // the logits: the caller of a plain generation loop never needs them.
  b.setInsertionPointToEnd(module->getBody());
  buildEntry(spec.numCodebooks == 1 ? "decode_greedy" : "frame", 1,
             /*greedy=*/true);
  if (spec.prefixEmbeddings) {
    b.setInsertionPointToEnd(module->getBody());
    buildEntry("prefill_embeds", kDyn, /*greedy=*/false, EntryInput::Embeds);
  }
  return module;
}

void ModelIRBuilder::buildEntry(StringRef name, int64_t tokens, bool greedy,
                                EntryInput input) {
  seqLen = tokens;
  int64_t v = spec.outputVocabSize > 0 ? spec.outputVocabSize : spec.vocabSize;
  int64_t codebooks = spec.numCodebooks;
  auto i64 = b.getI64Type();
  bool embeds = input == EntryInput::Embeds;
  Type tokensType = embeds ? Type(act({spec.hidden}))
                    : codebooks == 1
                        ? RankedTensorType::get({kDyn, seqLen}, i64)
                        : RankedTensorType::get({kDyn, seqLen, codebooks}, i64);
  Type positionType = RankedTensorType::get({kDyn}, i64);
  Type logitsType = codebooks == 1 ? act({v}) : act({codebooks, v});
  Type nextTokenType =
      codebooks == 1 ? RankedTensorType::get({kDyn, seqLen}, i64)
                     : RankedTensorType::get({kDyn, seqLen, codebooks}, i64);

  SmallVector<Type> args = {tokensType, positionType},
                    results = {greedy ? nextTokenType : logitsType};
  SmallVector<DictionaryAttr> argAttrs, resultAttrs;
  auto role = [&](ArgRole r) {
    return b.getDictionaryAttr(b.getNamedAttr(
        contract->getRoleAttrHelper().getName(), ArgRoleAttr::get(&ctx, r)));
  };
  argAttrs = {role(embeds ? ArgRole::embeds : ArgRole::tokens),
              role(ArgRole::position)};
  resultAttrs = {role(greedy ? ArgRole::next_token : ArgRole::logits)};
  for (const StateSpec &s : states) {
    SmallVector<int64_t> shape = {kDyn};
    shape.append(s.shape.begin(), s.shape.end());
    Type t = RankedTensorType::get(shape, typeOf(s.dtype));
    std::optional<StateKind> kind = symbolizeStateKind(s.kind);
    if (!kind)
      llvm::report_fatal_error(llvm::Twine("hybridc: state '") + s.name +
                               "' has unknown kind '" + s.kind + "'");
    DictionaryAttr attr = b.getDictionaryAttr(
        b.getNamedAttr(contract->getStateAttrHelper().getName(),
                       StateAttr::get(&ctx, b.getStringAttr(s.name), s.layer,
                                      *kind, StateScope::sequence)));
    args.push_back(t);
    results.push_back(t);
    argAttrs.push_back(attr);
    resultAttrs.push_back(attr);
  }
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(args, results));
  func.setAllArgAttrs(argAttrs);
  func.setAllResultAttrs(resultAttrs);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);

  Value ids = entry->getArgument(0);
  position = entry->getArgument(1);
  stateValues.assign(entry->getArguments().begin() + 2,
                     entry->getArguments().end());
  batchSize = tensor::DimOp::create(b, loc, ids, 0).getResult();
  seqSize =
      seqLen == kDyn
          ? OpFoldResult(tensor::DimOp::create(b, loc, ids, 1).getResult())
          : OpFoldResult(b.getIndexAttr(seqLen));

  // Embeddings (summed over codebooks), or the given hidden vectors as they
  // are (Zonos concatenates its prefix after embedding the codes).
  std::optional<SiteScope> site;
  site.emplace(*this, -1, "embed");
  Value h = embeds ? ids : Value();
  for (int64_t c = 0; c < codebooks && !embeds; ++c) {
    std::string role = codebooks == 1
                           ? "embed.weight"
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
  if (!embeds)
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
  Value out = head(h, greedy);

  site.reset();
  SmallVector<Value> returned = {out};
  returned.append(stateValues.begin(), stateValues.end());
  func::ReturnOp::create(b, loc, returned);
}

Value ModelIRBuilder::head(Value h, bool greedy) {
  int64_t v = spec.outputVocabSize > 0 ? spec.outputVocabSize : spec.vocabSize;
  int64_t codebooks = spec.numCodebooks;
  auto i64 = b.getI64Type();
  auto idsType = RankedTensorType::get({kDyn, seqLen}, i64);
  // One head: [B, T, V] logits, or their argmax [B, T].
  auto one = [&](const std::string &embedRole, const std::string &headRole) {
    Value w = spec.tiedEmbeddings ? weight(embedRole, -1) : weight(headRole, -1);
    Value logits = scale(linearWith(h, w), spec.logitsMultiplier);
    return greedy ? Value(ArgmaxOp::create(b, loc, idsType, logits)) : logits;
  };
  if (codebooks == 1)
    return one("embed.weight", "lm_head.weight");
  // Stacked heads: each codebook's result gets a unit dim 2, then the
  // codebooks are concatenated along it ([B, T, C, V] or [B, T, C]).
  SmallVector<Value> parts;
  for (int64_t c = 0; c < codebooks; ++c) {
    std::string suffix = std::to_string(c) + ".weight";
    Value r = one("embed." + suffix, "lm_head." + suffix);
    SmallVector<int64_t> shape = {kDyn, seqLen, 1};
    SmallVector<OpFoldResult> sizes = {batchSize, seqSize, b.getIndexAttr(1)};
    SmallVector<ReassociationIndices> groups = {{0}, {1, 2}};
    if (!greedy) {
      shape.push_back(v);
      sizes.push_back(b.getIndexAttr(v));
      groups = {{0}, {1}, {2, 3}};
    }
    parts.push_back(tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, greedy ? Type(i64) : f32), r,
        groups, sizes));
  }
  SmallVector<int64_t> shape = {kDyn, seqLen, codebooks};
  if (!greedy)
    shape.push_back(v);
  return tensor::ConcatOp::create(
      b, loc, RankedTensorType::get(shape, greedy ? Type(i64) : f32), 2, parts);
}

} // namespace hybrid::frontend::detail

namespace hybrid::frontend {

using namespace detail;

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
  OwningOpRef<ModuleOp> module = ModelIRBuilder(context, spec, options).build();
  if (failed(verify(*module))) {
    error = spec.sourceFile + ": internal error: the built IR does not verify";
    return nullptr;
  }
  return module;
}

} // namespace hybrid::frontend
