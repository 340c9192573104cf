//===- BuildManifest.cpp - the artifact manifest from the IR --------------===//
//
// The manifest (version 2, docs/ABI.md) is derived from the IR, not from the
// config, so it describes exactly what was compiled: every weight argument's
// name, dtype and shape, every state argument's per-sequence shape, layer,
// kind and scope, and each entry point's arguments in the order the final
// (bufferized) function takes them: weights, tokens, position, states, then
// the output buffers. Inputs and outputs are named (the role names), carry
// "io" and a symbolic shape ("B", "T", numbers) from which the runtime
// builds their descriptors; "advance" says how far a call moves the
// positions.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"
#include "passes/ABI/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#define DEBUG_TYPE "hybrid-build-manifest"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDBUILDMANIFESTPASS
#include "passes/ABI/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

std::optional<StringRef> dtypeName(Type t) {
  if (t.isF32())
    return StringRef("f32");
  if (t.isBF16())
    return StringRef("bf16");
  if (t.isF16())
    return StringRef("f16");
  if (t.isF64())
    return StringRef("f64");
  if (t.isInteger(64))
    return StringRef("i64");
  if (t.isInteger(32))
    return StringRef("i32");
  return std::nullopt;
}

/// A shape with "B" and "T" for the dynamic batch and token dims.
llvm::json::Array symbolicShape(ArrayRef<int64_t> shape) {
  llvm::json::Array out;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (!ShapedType::isDynamic(d))
      out.push_back(d);
    else
      out.push_back(i == 0 ? "B" : "T");
  }
  return out;
}

/// How far a call of |func| moves every position: dim 1 of what it feeds
/// the positions, its tokens or embeds ("T" when dynamic: prefill; 1 for a
/// decode step).
llvm::json::Value advanceOf(func::FuncOp func) {
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    ArgRoleAttr role = getArgRole(func, i);
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!role ||
        (role.getValue() != ArgRole::tokens &&
         role.getValue() != ArgRole::embeds) ||
        !tensor || tensor.getRank() < 2)
      continue;
    if (ShapedType::isDynamic(tensor.getDimSize(1)))
      return "T";
    return tensor.getDimSize(1);
  }
  return 0;
}

llvm::json::Array staticShape(ArrayRef<int64_t> shape) {
  llvm::json::Array out;
  for (int64_t d : shape)
    out.push_back(d);
  return out;
}

struct HybridBuildManifestPass
    : mlir::hybrid::impl::HybridBuildManifestPassBase<HybridBuildManifestPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    HybridDialect *contract = getHybridDialect(&getContext());
    ModelAttr model = contract->getModelAttrHelper().getAttr(module);
    if (!model) {
      module.emitError() << "hybrid-build-manifest needs the "
                         << contract->getModelAttrHelper().getName().getValue()
                         << " attribute";
      return signalPassFailure();
    }
    int64_t maxSeq = model.getMaxSeq();
    llvm::json::Object modelJson{
        {"name", model.getName().getValue()},
        {"model_type", model.getModelType().getValue()},
        {"vocab_size", model.getVocabSize()},
        {"hidden_size", model.getHiddenSize()},
        {"num_layers", model.getNumLayers()},
        {"num_codebooks", model.getNumCodebooks()},
        {"max_seq", maxSeq}};
    if (FloatAttr rate = model.getFrameRate())
      modelJson["frame_rate"] = rate.getValueAsDouble();
    if (DenseI64ArrayAttr delays = model.getStreamDelays())
      modelJson["stream_delays"] = staticShape(delays.asArrayRef());
    if (DenseI64ArrayAttr initial = model.getInitialTokens())
      modelJson["initial_tokens"] = staticShape(initial.asArrayRef());
    if (StringAttr hash = model.getConfigHash())
      modelJson["config_hash"] = hash.getValue();

    llvm::json::Array weights, states, entries;
    llvm::StringSet<> seenWeights, seenStates;
    llvm::StringMap<bool> gathered;
    bool failedAny = false;
    auto fail = [&](Operation *op, const Twine &msg) {
      op->emitError(msg);
      failedAny = true;
    };

    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.isPublic())
        continue;
      llvm::json::Array args;
      for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
        auto tensor = dyn_cast<RankedTensorType>(type);
        if (!tensor) {
          fail(func, "entry point arguments must be ranked tensors");
          continue;
        }
        std::optional<StringRef> dtype = dtypeName(tensor.getElementType());
        if (!dtype) {
          fail(func, "unsupported element type in an entry point");
          continue;
        }
        if (WeightBindingAttr binding = getArgWeight(func, i)) {
          StringAttr name = binding.getName();
          // Gathered in every entry point (hybrid-mark-gathered-weights
          // decided it per entry point on the hybrid ops).
          bool gather = binding.getAccess() == WeightAccess::gather &&
                        !func.getArgument(i).use_empty();
          auto [it, inserted] = gathered.try_emplace(name.getValue(), gather);
          if (!inserted)
            it->second = it->second && gather;
          if (seenWeights.insert(name.getValue()).second) {
            llvm::json::Object decl{{"name", name.getValue()},
                                    {"dtype", *dtype},
                                    {"shape", staticShape(tensor.getShape())}};
            // A packed weight: its checkpoint tensors, concatenated by rows.
            if (ArrayAttr parts = binding.getParts()) {
              llvm::json::Array list;
              for (StringRef part : parts.getAsValueRange<StringAttr>())
                list.push_back(part);
              decl["parts"] = std::move(list);
              llvm::json::Array rows;
              for (int64_t n : binding.getPartRows().asArrayRef())
                rows.push_back(n);
              decl["part_rows"] = std::move(rows);
            }
            weights.push_back(std::move(decl));
          }
          args.push_back(llvm::json::Object{{"role", "weight"},
                                            {"name", name.getValue()}});
        } else if (StateAttr state = getArgState(func, i)) {
          StringRef name = state.getName().getValue();
          if (seenStates.insert(name).second) {
            states.push_back(llvm::json::Object{
                {"name", name},
                {"layer", state.getLayer()},
                {"kind", stringifyStateKind(state.getKind())},
                {"scope", stringifyStateScope(state.getScope())},
                {"dtype", *dtype},
                {"shape", staticShape(tensor.getShape().drop_front())}});
          }
          args.push_back(llvm::json::Object{{"role", "state"}, {"name", name}});
        } else if (ArgRoleAttr role = getArgRole(func, i)) {
          args.push_back(
              llvm::json::Object{{"role", stringifyArgRole(role.getValue())},
                                 {"name", stringifyArgRole(role.getValue())},
                                 {"io", "in"},
                                 {"dtype", *dtype},
                                 {"shape", symbolicShape(tensor.getShape())}});
        } else {
          fail(func, "entry point argument #" + Twine(i) + " has no " +
                         contract->getWeightAttrHelper().getName().getValue() +
                         "/state/role attribute");
        }
      }
      // Results that are not state become output buffers, in order.
      for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
        if (getResultState(func, i))
          continue;
        ArgRoleAttr role = getResultRole(func, i);
        auto tensor = dyn_cast<RankedTensorType>(type);
        if (!role || !tensor) {
          fail(func, "entry point result #" + Twine(i) +
                         " must be a tensor with a " +
                         contract->getRoleAttrHelper().getName().getValue());
          continue;
        }
        args.push_back(llvm::json::Object{
            {"role", stringifyArgRole(role.getValue())},
            {"name", stringifyArgRole(role.getValue())},
            {"io", "out"},
            {"dtype", *dtypeName(tensor.getElementType())},
            {"shape", symbolicShape(tensor.getShape())}});
      }
      entries.push_back(llvm::json::Object{
          {"name", func.getName()},
          {"symbol", ("hybrid_entry_" + func.getName()).str()},
          {"advance", advanceOf(func)},
          {"args", std::move(args)}});
    }
    if (failedAny)
      return signalPassFailure();
    for (llvm::json::Value &weight : weights) {
      llvm::json::Object *decl = weight.getAsObject();
      if (gathered.lookup(*decl->getString("name")))
        (*decl)["access"] = "gather";
    }

    llvm::json::Object manifest{
        {"format", "hybridc-artifact"},
        {"version", 2},
        {"model", std::move(modelJson)},
        {"target", llvm::json::Object{{"kind", target}}},
        {"max_seq", maxSeq},
        {"weights", std::move(weights)},
        {"state", std::move(states)},
        {"entry_points", std::move(entries)}};
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::json::Value(std::move(manifest));
    contract->getManifestAttrHelper().setAttr(
        module, StringAttr::get(&getContext(), text));
  }
};
} // namespace
