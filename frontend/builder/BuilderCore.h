//===- BuilderCore.h - The IR builder's state and helpers -------*- C++ -*-===//
//
// Internal to the builder. ModelIRBuilder builds one module from one
// ModelSpec: it holds the spec, the OpBuilder and the location ops are built
// at, the weights by role and, per entry point, the state values. Its
// methods are defined by concept, one file each:
//   BuilderCore.cpp    types, small ops, weights, norms, state, and the
//                      dispatch of a layer's mixer to its kind;
//   mixers/<Kind>.cpp  one mixer kind each, as frontend/mixers/ has them
//                      (SSMCommon.cpp: what Mamba-1 and Mamba-2 emit alike);
//   Ffn.cpp            MLPs and MoE;
//   EntryPoints.cpp    the module and its entry points (where @frame goes).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_BUILDER_BUILDERCORE_H
#define HYBRIDC_FRONTEND_BUILDER_BUILDERCORE_H

#include "frontend/builder/ModelBuilder.h"

#include "dialect/IR/HybridOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/ErrorHandling.h"

#include <cmath>
#include <map>
#include <variant>

namespace hybrid::frontend::detail {

// Only the builder's own files include this header, and they are MLIR code:
// MLIR's and the dialect's names unqualified, as in any MLIR source file.
using namespace mlir;
using namespace mlir::hybrid;

constexpr int64_t kDyn = ShapedType::kDynamic;

ActivationKind toActivation(Activation a);

class ModelIRBuilder {
public:
  ModelIRBuilder(MLIRContext &ctx, const ModelSpec &spec,
                 const BuildOptions &options)
      : ctx(ctx), spec(spec), options(options), b(&ctx),
        contract(getHybridDialect(&ctx)),
        fileLoc(FileLineColLoc::get(&ctx, spec.sourceFile, 1, 1)), loc(fileLoc),
        f32(Float32Type::get(&ctx)) {
    for (const WeightSpec &w : spec.weights())
      weightsByRole[{w.role, w.layer}] = w;
    for (const StateSpec &s : stateBuffers(spec, options.maxSeq))
      states.push_back(s);
  }

  OwningOpRef<ModuleOp> build();

private:
  /// Locates the ops built while it lives at a site of the model (a layer
  /// and a part, getSiteLoc), so rewrites, diagnostics and reports know the
  /// layer of every op without parsing names; restores the location after.
  struct SiteScope {
    SiteScope(ModelIRBuilder &builder, int64_t layer, StringRef part)
        : builder(builder), saved(builder.loc) {
      builder.loc = getSiteLoc(builder.fileLoc, layer, part);
    }
    ~SiteScope() { builder.loc = saved; }
    ModelIRBuilder &builder;
    Location saved;
  };

  //===--------------------------------------------------------------------===//
  // Types and small ops
  //===--------------------------------------------------------------------===//

  // BuilderCore.cpp
  Type typeOf(DType t);

  /// Activation type [B, T, dims...].
  RankedTensorType act(ArrayRef<int64_t> dims);

  int64_t lastDim(Value v);

  bool has(const std::string &role, int64_t layer);

  Value weight(const std::string &role, int64_t layer);

  Value optionalWeight(const std::string &role, int64_t layer);

  /// linear(x, PREFIX weight, PREFIX bias?).
  Value linear(Value x, const std::string &prefix, int64_t layer);

  /// A linear with an explicit weight value (tied heads, slices).
  Value linearWith(Value x, Value w, Value bias = Value());

  Value scale(Value x, double factor);

  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value activation(Value x, ActivationKind kind);
  /// An MLP activation as the models write it: relu² is Nemotron-H's
  /// square(relu(x)), relu(x) * relu(x); hybrid-raise-activations folds it
  /// back into one relu2.
  Value mlpActivation(Value x, ActivationKind kind);

  SmallVector<Value> split(Value x, ArrayRef<int64_t> sizes);

  Value norm(Value x, const NormSpec &n, const std::string &prefix,
             int64_t layer);

  /// [B, T, H*D] -> [B, T, H, D].
  Value splitHeads(Value x, int64_t heads, int64_t dim);

  /// [B, T, H, D] -> [B, T, H*D].
  Value mergeHeads(Value x);

  Value emptyAct(ArrayRef<int64_t> dims);

  /// A norm of each of `groups` equal groups of the last dim of x [B, T, D],
  /// as the models compute it: x viewed as [B, T, G, D/G], normalized over
  /// the last dim with the weight and bias viewed as [G, D/G], viewed back.
  /// One group is a plain norm.
  Value groupedNorm(Value x, NormKind kind, double eps, Value w, Value bias,
                    int64_t groups);

  //===--------------------------------------------------------------------===//
  // State
  //===--------------------------------------------------------------------===//

  Value &state(int64_t layer, const std::string &kind);

  //===--------------------------------------------------------------------===//
  // Mixers: emitMixer(const <Kind>Spec &, x, layer) is the mixer's output
  // [B, T, H] for the normed input x, one kind a file (mixers/<Kind>.cpp);
  // mixer() picks the kind a layer has.
  //===--------------------------------------------------------------------===//

  // mixers/Attention.cpp
  /// The attention heads' output before the output projection, [B, T, Hq*Dh].
  Value attentionCore(const AttentionSpec &a, Value x, int64_t layer);

  Value emitMixer(const AttentionSpec &a, Value x, int64_t layer);

  // mixers/SSMCommon.cpp
  /// Conv weight [C, 1, K] -> [C, K].
  Value convWeight(int64_t layer);

  /// -exp(A_log), in f32 whatever the weight dtype, as the models compute it
  /// (`-torch.exp(self.A_log.float())`): a bf16 exp would round the decay
  /// rates and needs a soft-float truncation the artifact does not link.
  Value negExp(Value aLog);

  /// A per-channel parameter [C] (widened to f32) broadcast over the batch
  /// and sequence dims of the activations, [B, T, C], as `x + p` does in
  /// PyTorch.
  Value broadcastChannels(Value p);

  /// torch.clamp(x, lo, hi) as the scans' time-step limit is written: the
  /// lower bound only when positive (a softplus output is never below 0),
  /// the upper bound only when finite.
  Value clampTimeStep(Value dt, double lo, double hi);

  Value conv(Value x, int64_t layer);

  // mixers/Mamba1.cpp
  Value emitMixer(const Mamba1Spec &m, Value x, int64_t layer);

  // mixers/Mamba2.cpp
  /// The Mamba-2 branch up to (not including) its output projection.
  Value mamba2Core(const Mamba2Spec &m, Value x, int64_t layer);

  Value emitMixer(const Mamba2Spec &m, Value x, int64_t layer);

  // mixers/IntraHybrid.cpp
  /// Per-branch norm of an intra-layer hybrid: per head when groupNorm.
  Value branchNorm(Value x, const IntraHybridSpec &h, const std::string &prefix,
                   int64_t heads, int64_t layer);

  Value emitMixer(const IntraHybridSpec &h, Value x, int64_t layer);

  // mixers/Parallel.cpp
  /// Falcon-H1: both branches read the same normed input; their output
  /// multipliers are applied inside each mixer.
  Value emitMixer(const ParallelSpec &p, Value x, int64_t layer);

  /// A layer that is only its FFN.
  Value emitMixer(const NoMixer &, Value, int64_t) { return Value(); }

  // BuilderCore.cpp
  /// The layer's mixer, whichever kind it is (builder/mixers/<Kind>.cpp).
  Value mixer(const LayerSpec &l, Value x);

  //===--------------------------------------------------------------------===//
  // Feed-forward
  //===--------------------------------------------------------------------===//

  // Ffn.cpp
  Value ffn(const FfnSpec &f, Value x, const std::string &prefix,
            int64_t layer);

  /// Slice [E, rows, cols] -> rows [offset, offset + count) of every expert.
  Value expertRows(Value w, int64_t offset, int64_t count);

  Value stackedExperts(const MoeSpec &m, const std::string &which,
                       int64_t layer);

  Value moe(const MoeSpec &m, Value x, int64_t layer);

  //===--------------------------------------------------------------------===//
  // Entry points
  //===--------------------------------------------------------------------===//

  /// What feeds an entry point's positions: token ids, embedded here, or
  /// hidden vectors the caller gives (a conditioning prefix).
  enum class EntryInput { Tokens, Embeds };
  /// One entry point over |tokens| positions (kDyn: "T"); |greedy| returns
  /// the argmax of every codebook's logits instead of the logits.
  void buildEntry(StringRef name, int64_t tokens, bool greedy = false,
                  EntryInput input = EntryInput::Tokens);
  /// The logits ([B, T, V], or [B, T, C, V] over C codebooks) or, |greedy|,
  /// the next token ids ([B, T] or [B, T, C]) of the final hidden states.
  Value head(Value h, bool greedy);

  //===--------------------------------------------------------------------===//
  // Moshi: temporal transformer, depth loop (Moshi.cpp)
  //===--------------------------------------------------------------------===//

  /// @prefill / @decode (teacher-forced, over |tokens| positions) or
  /// @frame (greedy, the depth loop inside).
  void buildMoshiEntry(StringRef name, int64_t tokens, bool frame);
  Value column(Value ids, int64_t c);
  Value filled(ArrayRef<OpFoldResult> shape, Type elt, TypedAttr value);
  Value depthWeight(const std::string &proj, int64_t layer, int64_t set,
                    int64_t rows);
  Value moshiTemporal(Value ids);
  Value depthInput(int64_t s, Value h, Value prev);
  Value depthStep(int64_t s, Value x, Value pos, MutableArrayRef<Value> caches);
  Value rowsToBatch(Value x, OpFoldResult rows);
  Value batchToRows(Value x, OpFoldResult batch, OpFoldResult seq);

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

} // namespace hybrid::frontend::detail

#endif // HYBRIDC_FRONTEND_BUILDER_BUILDERCORE_H
