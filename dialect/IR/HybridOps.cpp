//===- HybridOps.cpp - hybrid dialect ops -----------------------*- C++ -*-===//
//
// Verifiers (folders and canonicalizations: HybridFolders.cpp). Every shape
// diagnostic names the operand, the layout
// it must have, the sizes that layout implies here, and what it got, e.g.
//   'hybrid.attention' op key_cache must have shape
//   [batch, max_seq, kv_heads, head_dim] = [1, ?, 2, 16], got tensor<...>
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// A size the verifier does not know (a dynamic dim somewhere upstream).
constexpr int64_t kAny = ShapedType::kDynamic;

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << '?';
    else
      os << d;
  });
  os << ']';
  return text;
}

/// Whether `type` has `expected.size()` dims and each static dim equals the
/// expected one; unknown sizes on either side match anything.
bool shapeMatches(RankedTensorType type, ArrayRef<int64_t> expected) {
  if (type.getRank() != static_cast<int64_t>(expected.size()))
    return false;
  for (auto [got, want] : llvm::zip_equal(type.getShape(), expected))
    if (!ShapedType::isDynamic(got) && !ShapedType::isDynamic(want) &&
        got != want)
      return false;
  return true;
}

/// Emits "<name> must have shape <layout> = [..], got <type>" unless `value`
/// has the expected shape.
LogicalResult checkShape(Operation *op, StringRef name, Value value,
                         StringRef layout, ArrayRef<int64_t> expected) {
  auto type = cast<RankedTensorType>(value.getType());
  if (shapeMatches(type, expected))
    return success();
  return op->emitOpError() << name << " must have shape " << layout << " = "
                           << formatShape(expected) << ", got " << type;
}

/// Like checkShape, for a value that may be absent.
LogicalResult checkOptionalShape(Operation *op, StringRef name, Value value,
                                 StringRef layout,
                                 ArrayRef<int64_t> expected) {
  return value ? checkShape(op, name, value, layout, expected) : success();
}

LogicalResult checkRank(Operation *op, StringRef name, Value value,
                        StringRef layout, int64_t rank) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == rank)
    return success();
  return op->emitOpError() << name << " must have rank " << rank << " "
                           << layout << ", got " << type;
}

/// Static size `d` of `value`, or kAny.
int64_t dim(Value value, int64_t d) {
  return cast<RankedTensorType>(value.getType()).getDimSize(d);
}

/// The shape of `value` without its last dimension.
SmallVector<int64_t> leadingShape(Value value) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  return SmallVector<int64_t>(shape.drop_back());
}

SmallVector<int64_t> withLast(ArrayRef<int64_t> leading, int64_t last) {
  SmallVector<int64_t> shape(leading);
  shape.push_back(last);
  return shape;
}

/// Shortest round-trippable text of a double ("1e-05", "0.5"), for messages.
std::string formatDouble(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof(shorter), "%.*g", precision, value);
    if (std::strtod(shorter, nullptr) == value)
      return shorter;
  }
  return buffer;
}

/// Both sizes known and different.
bool conflicts(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}

LogicalResult checkEpsilon(Operation *op, APFloat epsilon) {
  if (epsilon.convertToDouble() > 0.0)
    return success();
  return op->emitOpError() << "epsilon must be positive, got "
                           << formatDouble(epsilon.convertToDouble());
}

/// A norm's optional affine parameter covers the trailing dims of the input.
LogicalResult checkNormParam(Operation *op, StringRef name, Value param,
                             Value input) {
  if (!param)
    return success();
  auto inputType = cast<RankedTensorType>(input.getType());
  auto paramType = cast<RankedTensorType>(param.getType());
  int64_t rank = paramType.getRank();
  if (rank >= 1 && rank <= inputType.getRank() &&
      shapeMatches(paramType, inputType.getShape().take_back(rank)))
    return success();
  return op->emitOpError()
         << name << " must have the shape of the trailing dims of the input "
         << formatShape(inputType.getShape()) << ", got " << paramType;
}

/// The sum of |sizes|, which must each be positive and add up within
/// int64: a wrapped sum could equal the size it is checked against, or
/// kDynamic, which matches anything. |what| names them in the errors.
FailureOr<int64_t> sumPositiveSizes(Operation *op, StringRef what,
                                    ArrayRef<int64_t> sizes) {
  int64_t total = 0;
  for (int64_t size : sizes) {
    if (size <= 0)
      return op->emitOpError() << what << " must be positive, got "
                               << formatShape(sizes);
    std::optional<int64_t> sum = llvm::checkedAdd(total, size);
    if (!sum)
      return op->emitOpError() << what << " " << formatShape(sizes)
                               << " sum past the largest int64";
    total = *sum;
  }
  return total;
}

LogicalResult checkInputRankAtLeast1(Operation *op, Value input) {
  if (cast<RankedTensorType>(input.getType()).getRank() >= 1)
    return success();
  return op->emitOpError() << "input must have rank >= 1";
}

} // namespace

#define GET_OP_CLASSES
#include "dialect/IR/HybridOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError() << "name must not be empty";
  if (!getType().hasStaticShape())
    return emitOpError() << "weight '" << getName()
                         << "' must have a static shape, got " << getType();
  return success();
}

LogicalResult StackedWeightOp::verify() {
  ArrayAttr names = getNames();
  if (names.empty())
    return emitOpError() << "names must not be empty";
  for (auto [i, name] : llvm::enumerate(names.getAsValueRange<StringAttr>()))
    if (name.empty())
      return emitOpError() << "name #" << i << " must not be empty";
  auto type = getType();
  if (!type.hasStaticShape() || type.getRank() < 2 ||
      type.getDimSize(0) != static_cast<int64_t>(names.size()))
    return emitOpError() << "result must have static shape [" << names.size()
                         << ", ...] (one slice per name), got " << type;
  return success();
}

LogicalResult PackedWeightOp::verify() {
  ArrayAttr names = getNames();
  if (names.size() < 2)
    return emitOpError() << "packs at least 2 tensors, got " << names.size();
  for (auto [i, name] : llvm::enumerate(names.getAsValueRange<StringAttr>()))
    if (name.empty())
      return emitOpError() << "name #" << i << " must not be empty";
  auto type = getType();
  if (!type.hasStaticShape() || type.getRank() < 1)
    return emitOpError() << "result must have a static shape, got " << type;
  ArrayRef<int64_t> rows = getRows();
  if (rows.size() != names.size())
    return emitOpError() << "has " << names.size() << " names but "
                         << rows.size() << " row counts";
  FailureOr<int64_t> total = sumPositiveSizes(*this, "row counts", rows);
  if (failed(total))
    return failure();
  if (*total != type.getDimSize(0))
    return emitOpError() << "row counts " << formatShape(rows) << " sum to "
                         << *total << ", not the result's "
                         << type.getDimSize(0);
  return success();
}

//===----------------------------------------------------------------------===//
// Embedding and projections
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  if (failed(checkRank(*this, "table", getTable(), "[vocab, dim]", 2)))
    return failure();
  auto idsShape = getIds().getType().getShape();
  SmallVector<int64_t> expected(idsShape);
  expected.push_back(dim(getTable(), 1));
  if (failed(checkShape(*this, "result", getResult(), "[ids..., dim]",
                        expected)))
    return failure();
  // Rows may be widened (bf16 table, f32 activations), never narrowed.
  auto tableElt = cast<FloatType>(getTable().getType().getElementType());
  auto resultElt = cast<FloatType>(getResult().getType().getElementType());
  if (resultElt.getWidth() < tableElt.getWidth())
    return emitOpError() << "result element type " << resultElt
                         << " is narrower than the table's " << tableElt;
  return success();
}

LogicalResult LinearOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())) ||
      failed(checkRank(*this, "weight", getWeight(), "[out, in]", 2)))
    return failure();
  int64_t in = dim(getInput(), getInput().getType().getRank() - 1);
  int64_t out = dim(getWeight(), 0);
  if (failed(checkShape(*this, "weight", getWeight(), "[out, in]",
                        {out, in})) ||
      failed(checkOptionalShape(*this, "bias", getBias(), "[out]", {out})) ||
      failed(checkShape(*this, "result", getResult(), "[..., out]",
                        withLast(leadingShape(getInput()), out))))
    return failure();
  if (getResult().getType().getElementType() !=
      getInput().getType().getElementType())
    return emitOpError() << "result element type must match the input's "
                         << getInput().getType().getElementType();
  std::optional<ArrayRef<int64_t>> sizes = getSectionSizes();
  std::optional<ArrayRef<double>> scales = getSectionScales();
  if (sizes.has_value() != scales.has_value())
    return emitOpError() << "section_sizes and section_scales go together";
  if (sizes) {
    if (sizes->size() != scales->size())
      return emitOpError() << "has " << sizes->size() << " section sizes but "
                           << scales->size() << " section scales";
    FailureOr<int64_t> total =
        sumPositiveSizes(*this, "section sizes", *sizes);
    if (failed(total))
      return failure();
    if (conflicts(*total, out))
      return emitOpError() << "section sizes " << formatShape(*sizes)
                           << " sum to " << *total << " but the weight has "
                           << out << " rows [out]";
  }
  return success();
}

LogicalResult SplitOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())))
    return failure();
  ArrayRef<int64_t> sizes = getSizes();
  if (sizes.size() != getNumResults())
    return emitOpError() << "has " << sizes.size() << " sizes but "
                         << getNumResults() << " results";
  FailureOr<int64_t> total = sumPositiveSizes(*this, "sizes", sizes);
  if (failed(total))
    return failure();
  int64_t last = dim(getInput(), getInput().getType().getRank() - 1);
  if (conflicts(*total, last))
    return emitOpError() << "sizes " << formatShape(sizes) << " sum to "
                         << *total << " but the input's last dim is " << last;
  SmallVector<int64_t> leading = leadingShape(getInput());
  for (auto [i, result] : llvm::enumerate(getResults()))
    if (failed(checkShape(*this, "result #" + std::to_string(i), result,
                          "[..., size]", withLast(leading, sizes[i]))))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())) ||
      failed(checkEpsilon(*this, getEpsilon())) ||
      failed(checkNormParam(*this, "weight", getWeight(), getInput())))
    return failure();
  return checkNormParam(*this, "bias", getBias(), getInput());
}

LogicalResult LayerNormOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())) ||
      failed(checkEpsilon(*this, getEpsilon())) ||
      failed(checkNormParam(*this, "weight", getWeight(), getInput())))
    return failure();
  return checkNormParam(*this, "bias", getBias(), getInput());
}

LogicalResult AddRMSNormOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())) ||
      failed(checkEpsilon(*this, getEpsilon())))
    return failure();
  return checkNormParam(*this, "weight", getWeight(), getInput());
}

LogicalResult AddLayerNormOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())) ||
      failed(checkEpsilon(*this, getEpsilon())) ||
      failed(checkNormParam(*this, "weight", getWeight(), getInput())))
    return failure();
  return checkNormParam(*this, "bias", getBias(), getInput());
}

LogicalResult GatedRMSNormOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())) ||
      failed(checkEpsilon(*this, getEpsilon())))
    return failure();
  int64_t features = dim(getInput(), getInput().getType().getRank() - 1);
  if (failed(checkShape(*this, "weight", getWeight(), "[features]",
                        {features})))
    return failure();
  int64_t groupSize = getGroupSizeAttr().getInt();
  if (groupSize <= 0)
    return emitOpError() << "group_size must be positive, got " << groupSize;
  if (!ShapedType::isDynamic(features) && features % groupSize != 0)
    return emitOpError() << "group_size " << groupSize
                         << " must divide the feature count " << features;
  return success();
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

LogicalResult RoPEOp::verify() {
  if (failed(checkRank(*this, "input", getInput(),
                       "[batch, seq, heads, head_dim]", 4)) ||
      failed(checkShape(*this, "position", getPosition(), "[batch]",
                        {dim(getInput(), 0)})))
    return failure();
  int64_t rotary = getRotaryDimAttr().getInt();
  int64_t headDim = dim(getInput(), 3);
  if (rotary <= 0 || rotary % 2 != 0)
    return emitOpError() << "rotary_dim must be positive and even, got "
                         << rotary;
  if (!ShapedType::isDynamic(headDim) && rotary > headDim)
    return emitOpError() << "rotary_dim " << rotary
                         << " exceeds the head dim " << headDim;
  // Written so that NaN fails too: every comparison with NaN is false.
  if (!(getTheta().convertToDouble() > 0.0))
    return emitOpError() << "theta must be positive, got "
                         << formatDouble(getTheta().convertToDouble());
  return success();
}

LogicalResult AttentionOp::verify() {
  if (failed(checkRank(*this, "query", getQuery(),
                       "[batch, seq, heads, head_dim]", 4)))
    return failure();
  int64_t batch = dim(getQuery(), 0), seq = dim(getQuery(), 1);
  int64_t heads = dim(getQuery(), 2), headDim = dim(getQuery(), 3);
  if (failed(checkShape(*this, "key", getKey(),
                        "[batch, seq, kv_heads, head_dim]",
                        {batch, seq, kAny, headDim})))
    return failure();
  int64_t kvHeads = dim(getKey(), 2);
  if (!ShapedType::isDynamic(heads) && !ShapedType::isDynamic(kvHeads) &&
      (kvHeads == 0 || heads % kvHeads != 0))
    return emitOpError() << "kv_heads (" << kvHeads
                         << ") must divide the query heads (" << heads << ")";
  if (failed(checkShape(*this, "key_cache", getKeyCache(),
                        "[batch, max_seq, kv_heads, head_dim]",
                        {batch, kAny, kvHeads, headDim})) ||
      failed(checkShape(*this, "position", getPosition(), "[batch]",
                        {batch})))
    return failure();
  if (!(getScale().convertToDouble() > 0.0)) // NaN fails too
    return emitOpError() << "scale must be positive, got "
                         << formatDouble(getScale().convertToDouble());
  int64_t window = getWindowAttr().getInt(), sink = getSinkAttr().getInt();
  if (window < 0)
    return emitOpError() << "window must be >= 0 (0 = no window), got "
                         << window;
  if (sink < 0)
    return emitOpError() << "sink must be >= 0, got " << sink;
  if (sink > 0 && window == 0)
    return emitOpError() << "sink tokens need a sliding window";
  int64_t rotary = getRotaryDimAttr().getInt();
  if (rotary < 0 || rotary % 2 != 0 ||
      (!ShapedType::isDynamic(headDim) && rotary > headDim))
    return emitOpError() << "rotary_dim must be even and in [0, head_dim], got "
                         << rotary;
  std::optional<APFloat> theta = getRopeTheta();
  if ((rotary > 0) != theta.has_value())
    return emitOpError() << "rope_theta is required with, and only with, "
                            "rotary_dim > 0";
  if (theta && !(theta->convertToDouble() > 0.0)) // NaN fails too
    return emitOpError() << "rope_theta must be positive, got "
                         << formatDouble(theta->convertToDouble());
  return success();
}

//===----------------------------------------------------------------------===//
// State-space mixers
//===----------------------------------------------------------------------===//

LogicalResult CausalConv1dOp::verify() {
  if (failed(checkRank(*this, "input", getInput(), "[batch, seq, channels]",
                       3)))
    return failure();
  int64_t batch = dim(getInput(), 0), channels = dim(getInput(), 2);
  if (failed(checkShape(*this, "weight", getWeight(), "[channels, width]",
                        {channels, kAny})))
    return failure();
  int64_t width = dim(getWeight(), 1);
  if (!ShapedType::isDynamic(width) && width < 2)
    return emitOpError() << "kernel width must be >= 2, got " << width;
  int64_t stateWidth = ShapedType::isDynamic(width) ? kAny : width - 1;
  if (failed(checkOptionalShape(*this, "bias", getBias(), "[channels]",
                                {channels})) ||
      failed(checkShape(*this, "state", getState(),
                        "[batch, channels, width - 1]",
                        {batch, channels, stateWidth})))
    return failure();
  ActivationKind act = getActivation();
  if (act != ActivationKind::identity && act != ActivationKind::silu)
    return emitOpError() << "activation must be identity or silu, got "
                         << stringifyActivationKind(act);
  return success();
}

LogicalResult SelectiveScanOp::verify() {
  if (failed(checkRank(*this, "input", getInput(), "[batch, seq, channels]",
                       3)))
    return failure();
  int64_t batch = dim(getInput(), 0), seq = dim(getInput(), 1);
  int64_t channels = dim(getInput(), 2);
  if (failed(checkShape(*this, "a", getA(), "[channels, state_dim]",
                        {channels, kAny})))
    return failure();
  int64_t stateDim = dim(getA(), 1);
  if (failed(checkShape(*this, "b", getB(), "[batch, seq, state_dim]",
                        {batch, seq, stateDim})) ||
      failed(checkOptionalShape(*this, "skip", getSkip(), "[channels]",
                                {channels})) ||
      failed(checkOptionalShape(*this, "gate", getGate(),
                                "[batch, seq, channels]",
                                {batch, seq, channels})) ||
      failed(checkOptionalShape(*this, "delta_bias", getDeltaBias(),
                                "[channels]", {channels})) ||
      failed(checkShape(*this, "state", getState(),
                        "[batch, channels, state_dim]",
                        {batch, channels, stateDim})))
    return failure();
  return success();
}

LogicalResult SSDScanOp::verify() {
  if (failed(checkRank(*this, "input", getInput(),
                       "[batch, seq, heads, head_dim]", 4)))
    return failure();
  int64_t batch = dim(getInput(), 0), seq = dim(getInput(), 1);
  int64_t heads = dim(getInput(), 2), headDim = dim(getInput(), 3);
  if (failed(checkShape(*this, "dt", getDt(), "[batch, seq, heads]",
                        {batch, seq, heads})) ||
      failed(checkShape(*this, "a", getA(), "[heads]", {heads})) ||
      failed(checkShape(*this, "b", getB(),
                        "[batch, seq, groups, state_dim]",
                        {batch, seq, kAny, kAny})))
    return failure();
  int64_t groups = dim(getB(), 2), stateDim = dim(getB(), 3);
  if (!ShapedType::isDynamic(heads) && !ShapedType::isDynamic(groups) &&
      (groups == 0 || heads % groups != 0))
    return emitOpError() << "groups (" << groups
                         << ") must divide the heads (" << heads << ")";
  if (failed(checkOptionalShape(*this, "skip", getSkip(), "[heads]",
                                {heads})) ||
      failed(checkOptionalShape(*this, "gate", getGate(),
                                "[batch, seq, heads, head_dim]",
                                {batch, seq, heads, headDim})) ||
      failed(checkOptionalShape(*this, "dt_bias", getDtBias(), "[heads]",
                                {heads})) ||
      failed(checkShape(*this, "state", getState(),
                        "[batch, heads, head_dim, state_dim]",
                        {batch, heads, headDim, stateDim})))
    return failure();
  int64_t chunk = getChunkSizeAttr().getInt();
  if (chunk <= 0)
    return emitOpError() << "chunk_size must be positive, got " << chunk;
  double dtMin = getDtMin().convertToDouble();
  if (!(dtMin >= 0.0)) // NaN fails too
    return emitOpError() << "dt_min must be >= 0, got "
                         << formatDouble(dtMin);
  if (std::optional<APFloat> dtMax = getDtMax();
      dtMax && !(dtMax->convertToDouble() > dtMin))
    return emitOpError() << "dt_max (" << formatDouble(dtMax->convertToDouble())
                         << ") must exceed dt_min (" << formatDouble(dtMin)
                         << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Feed-forward
//===----------------------------------------------------------------------===//

LogicalResult GatedMLPOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())))
    return failure();
  int64_t model = dim(getInput(), getInput().getType().getRank() - 1);
  if (failed(checkShape(*this, "gate", getGate(), "[hidden, dim]",
                        {kAny, model})))
    return failure();
  int64_t hidden = dim(getGate(), 0);
  if (failed(checkShape(*this, "up", getUp(), "[hidden, dim]",
                        {hidden, model})) ||
      failed(checkShape(*this, "down", getDown(), "[out, hidden]",
                        {kAny, hidden})) ||
      failed(checkShape(*this, "result", getResult(), "[..., out]",
                        withLast(leadingShape(getInput()),
                                 dim(getDown(), 0)))))
    return failure();
  return success();
}

LogicalResult MoEOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())))
    return failure();
  int64_t model = dim(getInput(), getInput().getType().getRank() - 1);
  if (failed(checkShape(*this, "router", getRouter(), "[experts, dim]",
                        {kAny, model})))
    return failure();
  int64_t experts = dim(getRouter(), 0);
  if (failed(checkShape(*this, "up", getUp(), "[experts, hidden, dim]",
                        {experts, kAny, model})))
    return failure();
  int64_t hidden = dim(getUp(), 1);
  if (failed(checkOptionalShape(*this, "gate", getGate(),
                                "[experts, hidden, dim]",
                                {experts, hidden, model})) ||
      failed(checkShape(*this, "down", getDown(), "[experts, dim, hidden]",
                        {experts, model, hidden})) ||
      failed(checkShape(*this, "result", getResult(), "[..., dim]",
                        cast<RankedTensorType>(getInput().getType())
                            .getShape())))
    return failure();
  if (failed(checkOptionalShape(*this, "selection_bias", getSelectionBias(),
                                "[experts]", {experts})))
    return failure();
  int64_t topK = getTopKAttr().getInt();
  if (topK <= 0 || (!ShapedType::isDynamic(experts) && topK > experts))
    return emitOpError() << "top_k must be in [1, " << experts << "], got "
                         << topK;
  return success();
}

//===----------------------------------------------------------------------===//
// Sampling
//===----------------------------------------------------------------------===//

LogicalResult LinearArgmaxOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())) ||
      failed(checkRank(*this, "weight", getWeight(), "[vocab, in]", 2)))
    return failure();
  int64_t in = dim(getInput(), getInput().getType().getRank() - 1);
  if (failed(checkShape(*this, "weight", getWeight(), "[vocab, in]",
                        {dim(getWeight(), 0), in})))
    return failure();
  return checkShape(*this, "result", getResult(), "[...]",
                    leadingShape(getInput()));
}

LogicalResult ArgmaxOp::verify() {
  if (failed(checkInputRankAtLeast1(*this, getInput())))
    return failure();
  return checkShape(*this, "result", getResult(), "[...]",
                    leadingShape(getInput()));
}
