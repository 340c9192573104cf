//===- LoweringUtils.h - helpers shared by the hybrid lowerings -*- C++ -*-===//
//
// Small builders for the tensor-level IR that hybrid ops lower to: constants,
// casts, empty/filled tensors, elementwise linalg.generic ops with broadcast
// maps, and the scalar math of activations.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_PASSES_CONVERSION_HYBRIDTOLINALG_LOWERINGUTILS_H
#define HYBRIDC_PASSES_CONVERSION_HYBRIDTOLINALG_LOWERINGUTILS_H

#include "dialect/IR/HybridOps.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
namespace hybrid {
namespace lowering {

using BodyFn = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Element type and rank of a ranked tensor value.
inline Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}
inline int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// Float constant of type `type` (a scalar float type).
Value floatConst(OpBuilder &b, Location loc, Type type, double value);
/// Index constant.
Value indexConst(OpBuilder &b, Location loc, int64_t value);
/// Extends or truncates a float scalar to `type`.
Value castFloat(OpBuilder &b, Location loc, Value value, Type type);
/// Element `indices` of tensor `t` (indices of index type).
Value extract(OpBuilder &b, Location loc, Value t, ValueRange indices);
/// Index-typed value of `value` (an integer scalar).
Value toIndex(OpBuilder &b, Location loc, Value value);

/// Sizes of `t`, static where known.
SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value t);
/// `tensor.empty` of the given sizes.
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType);
/// A tensor of the given sizes filled with `value`.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elementType, double value);

/// Identity map of `rank` dims.
AffineMap identityMap(MLIRContext *ctx, int64_t rank);
/// (d0 .. d{rank-1}) -> (d{rank-n} .. d{rank-1}): an operand covering the
/// trailing `n` dims (norm weights, biases).
AffineMap trailingMap(MLIRContext *ctx, int64_t rank, int64_t n);
/// (d0 .. d{rank-1}) -> (d0 .. d{n-1}): an operand covering the leading dims.
AffineMap leadingMap(MLIRContext *ctx, int64_t rank, int64_t n);

/// A parallel linalg.generic over the iteration space of `like` whose body
/// computes one element of type `resultElt` from the elements of `inputs`
/// (each read through the matching map of `maps`).
Value mapElements(OpBuilder &b, Location loc, Value like, Type resultElt,
                  ValueRange inputs, ArrayRef<AffineMap> maps, BodyFn body);

/// Sum over the last dimension of `f(x)`, keeping the leading dims, in
/// `accType`. `transform` maps one element (already in accType) to the term.
Value reduceLastDim(OpBuilder &b, Location loc, Value x, Type accType,
                    llvm::function_ref<Value(OpBuilder &, Location, Value)>
                        transform);
/// Maximum over the last dimension, keeping the leading dims.
Value reduceMaxLastDim(OpBuilder &b, Location loc, Value x);

/// The scalar activation `kind` of `x`.
Value applyActivation(OpBuilder &b, Location loc, ActivationKind kind,
                      Value x);
/// torch.nn.functional.softplus (threshold 20).
Value softplus(OpBuilder &b, Location loc, Value x);
/// x * sigmoid(x).
Value silu(OpBuilder &b, Location loc, Value x);

/// The multipliers of a projection's output features: `uniform` for all,
/// times `scales[i]` for the features of section i (consecutive sections
/// of `sizes` features; none when empty). hybrid.linear's output_scale and
/// section_sizes / section_scales.
struct FeatureScales {
  double uniform = 1.0;
  ArrayRef<int64_t> sizes;
  ArrayRef<double> scales;

  bool isIdentity() const { return uniform == 1.0 && sizes.empty(); }
  /// The epilogue of a GEMM that applies them, for the target's GEMM code.
  GemmAttr toGemmAttr(MLIRContext *ctx) const;
  /// The scales |gemm| applies (identity for null); they point into |gemm|.
  static FeatureScales fromGemmAttr(GemmAttr gemm);
};

/// The multiplier of output feature `n` (an index value), of type `f`: one
/// constant, or a chain of selects over the sections.
Value featureScale(OpBuilder &b, Location loc, Type f, Value n,
                   const FeatureScales &scales);

/// Whether the innermost dimension of |type| has unit stride (what the
/// targets' GEMM code needs of every operand's rows).
bool hasUnitInnerStride(MemRefType type);

/// Fast-math flags for arithmetic whose reassociation we allow (reductions).
arith::FastMathFlagsAttr reassocFlags(MLIRContext *ctx);

/// y_j[..., n] = init_j[..., n] + Σ_k x[..., k] · w_j[n, k] for every weight
/// w_j (all [N, K]) in ONE generic: the reduction dim innermost and
/// contiguous in both operands, x read once for all weights, tagged for the
/// target's micro-kernel and kept apart from elementwise fusion. Each
/// product is multiplied by `scale`. (ProjectionPatterns.cpp.)
SmallVector<Value> buildProjections(OpBuilder &b, Location loc, Value x,
                                    ArrayRef<Value> weights,
                                    ArrayRef<Value> inits,
                                    const FeatureScales &scale = {});

} // namespace lowering

/// Patterns that lower hybrid ops to linalg / tensor / scf / arith / math,
/// one set a file, in the order hybrid-convert-to-linalg adds them.
/// embedding, linear, gated_mlp, split.
void populateHybridToLinalgProjectionPatterns(RewritePatternSet &patterns);
/// activation, scale.
void populateHybridToLinalgPointwisePatterns(RewritePatternSet &patterns);
/// argmax, linear_argmax (in blocks of `headBlockRows` rows; none: one
/// block, its logits reduced in blocks of `argmaxBlockRows` where > 0).
void populateHybridToLinalgSamplingPatterns(RewritePatternSet &patterns,
                                            HeadBlockRowsFn headBlockRows,
                                            int64_t argmaxBlockRows = 0);
/// stacked_weight, moe (to hybrid projections and pointwise ops).
void populateHybridToLinalgMoEPatterns(RewritePatternSet &patterns);
/// rms_norm, layer_norm, gated_rms_norm.
void populateHybridToLinalgNormPatterns(RewritePatternSet &patterns);
/// rope, attention.
/// |maxKVChunks| > 1: steps of a few tokens (decode) split their attention
/// over at most that many chunks of the cache rows (a GPU's choice).
/// With |cacheWriteLanes|, the new keys (rotated there if RoPE is folded
/// in) and values go into the caches one lane an element of both.
void populateHybridToLinalgAttentionPatterns(RewritePatternSet &patterns,
                                             int64_t maxKVChunks = 0,
                                             bool cacheWriteLanes = false);
/// causal_conv1d, selective_scan, ssd_scan.
/// With |decodeConvLanes|, a causal_conv1d of at most 4 static tokens in
/// lanes of (batch, channel) (see the decode-conv-lanes option).
void populateHybridToLinalgScanPatterns(RewritePatternSet &patterns,
                                        bool decodeConvLanes = false);

} // namespace hybrid
} // namespace mlir

#endif // HYBRIDC_PASSES_CONVERSION_HYBRIDTOLINALG_LOWERINGUTILS_H
