//===- invocation.cpp - Running entry points: checks, descriptors, launch -===//

#include "runtime/src/session.h"

#include <cmath>
#include <cstring>

using namespace hyb;

namespace {

/// MLIR's strided memref descriptor for a rank-R buffer, as int64 words:
/// allocated, aligned, offset, sizes[R], strides[R] (row-major).
void makeDescriptor(std::vector<int64_t> &d, void *data,
                    const std::vector<int64_t> &sizes) {
  static_assert(sizeof(void *) == sizeof(int64_t), "64-bit hosts only");
  size_t rank = sizes.size();
  d.assign(3 + 2 * rank, 0);
  std::memcpy(&d[0], &data, sizeof(void *));
  std::memcpy(&d[1], &data, sizeof(void *));
  d[2] = 0;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    d[3 + i] = sizes[i];
    d[3 + rank + i] = stride;
    stride *= sizes[i];
  }
}

} // namespace

/// Everything checked before a call that consumes |numTokens| tokens per
/// sequence now and |extraSteps| more later (generate): nothing runs if any
/// check fails.
hyb_status_t hyb::checkTokens(const hyb_session_t *s, const int64_t *tokens,
                         int64_t numTokens, int64_t extraSteps) {
  const Manifest &m = s->module->manifest;
  for (int64_t b = 0; b < s->batch; ++b) {
    int64_t end;
    if (__builtin_add_overflow(s->positions[size_t(b)], numTokens, &end) ||
        __builtin_add_overflow(end, extraSteps, &end) || end > m.maxSeq)
      return error(HYB_STATUS_OUT_OF_RANGE, "sequence ", b, ": position ",
                   s->positions[size_t(b)], " + ", numTokens + extraSteps,
                   " tokens = ", end, " exceeds max_seq ", m.maxSeq);
  }
  for (int64_t b = 0; b < s->batch; ++b)
    for (int64_t t = 0; t < numTokens; ++t) {
      int64_t id = tokens[b * numTokens + t];
      if (id < 0 || id >= m.vocabSize)
        return error(HYB_STATUS_OUT_OF_RANGE, "token id ", id,
                     " at sequence ", b, ", index ", t, " (position ",
                     s->positions[size_t(b)] + t, ") is outside [0, ",
                     m.vocabSize, ")");
    }
  return nullptr;
}

/// Runs entry point |name| on [B, numTokens] |tokens| at the current
/// positions. |logits| ([B, T, V]) and |next| ([B, T]) are host outputs, used
/// if the entry point has them (a null one is replaced by scratch). Does not
/// advance positions.
hyb_status_t hyb::runEntry(hyb_session_t *s, const char *name, const int64_t *tokens,
                      int64_t numTokens, float *logits, int64_t *next) {
  hyb_module_t *module = s->module;
  const Manifest &m = module->manifest;
  Backend &be = *module->backend;
  EntryFn fn = nullptr;
  const EntryPointDecl *entry = module->entryPoint(name, &fn);
  if (!entry)
    return error(HYB_STATUS_NOT_FOUND, module->artifactPath,
                 ": artifact has no '", name, "' entry point");
  if (entry->fixedTokens && numTokens != entry->fixedTokens)
    return error(HYB_STATUS_INVALID_ARGUMENT, "entry point '", name,
                 "' takes ", entry->fixedTokens, " token(s) per call, got ",
                 numTokens);
  const int64_t B = s->batch, T = numTokens, V = m.vocabSize;

  void *dTokens = nullptr, *dPositions = nullptr, *dLogits = nullptr,
       *dNext = nullptr;
  HYB_RETURN_IF_ERROR(be.stageInput(tokens, uint64_t(B * T) * 8,
                                    s->scratchTokens, &dTokens));
  HYB_RETURN_IF_ERROR(be.stageInput(s->positions.data(), uint64_t(B) * 8,
                                    s->scratchPositions, &dPositions));
  uint64_t logitsBytes = uint64_t(B * T * V) * 4, nextBytes = uint64_t(B * T) * 8;
  if (entry->hasLogits) {
    if (!logits) {
      s->hostLogits.resize(size_t(B * T * V));
      logits = s->hostLogits.data();
    }
    HYB_RETURN_IF_ERROR(
        be.stageOutput(logits, logitsBytes, s->scratchLogits, &dLogits));
  }
  if (entry->hasNextToken) {
    if (!next) {
      s->hostNext.resize(size_t(B * T));
      next = s->hostNext.data();
    }
    HYB_RETURN_IF_ERROR(be.stageOutput(next, nextBytes, s->scratchNext, &dNext));
  }

  std::vector<std::vector<int64_t>> descriptors(entry->args.size());
  std::vector<void *> args(entry->args.size());
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < entry->args.size(); ++i) {
    const ArgDecl &arg = entry->args[i];
    void *data = nullptr;
    switch (arg.role) {
    case ArgRole::Weight:
      data = module->weights.buffers[arg.tensorIndex].ptr;
      sizes = m.weights[arg.tensorIndex].shape;
      break;
    case ArgRole::State:
      data = s->state[arg.tensorIndex].ptr;
      sizes = {B};
      sizes.insert(sizes.end(), m.state[arg.tensorIndex].shape.begin(),
                   m.state[arg.tensorIndex].shape.end());
      break;
    case ArgRole::Tokens:
      data = dTokens;
      sizes = {B, T};
      break;
    case ArgRole::Position:
      data = dPositions;
      sizes = {B};
      break;
    case ArgRole::Logits:
      data = dLogits;
      sizes = {B, T, V};
      break;
    case ArgRole::NextToken:
      data = dNext;
      sizes = {B, T};
      break;
    }
    makeDescriptor(descriptors[i], data, sizes);
    args[i] = descriptors[i].data();
  }
  HYB_RETURN_IF_ERROR(be.launch(fn, args.data()));
  if (entry->hasLogits)
    HYB_RETURN_IF_ERROR(be.finishOutput(logits, dLogits, logitsBytes));
  if (entry->hasNextToken)
    HYB_RETURN_IF_ERROR(be.finishOutput(next, dNext, nextBytes));
  return nullptr;
}

/// The lowest index of the largest value; NaNs never win.
int64_t hyb::argmax(const float *row, int64_t n) {
  int64_t best = 0;
  float bestValue = -INFINITY;
  bool found = false;
  for (int64_t v = 0; v < n; ++v)
    if (!std::isnan(row[v]) && (!found || row[v] > bestValue)) {
      best = v;
      bestValue = row[v];
      found = true;
    }
  return best;
}

void hyb::advance(hyb_session_t *s, int64_t n) {
  for (auto &p : s->positions)
    p += n;
}

/// One greedy step on [B] |tokens|, results in |out| ([B]). Checked by the
/// caller.
hyb_status_t hyb::greedyStep(hyb_session_t *s, const int64_t *tokens, int64_t *out) {
  const int64_t B = s->batch, V = s->module->manifest.vocabSize;
  if (s->module->entryPoint("decode_greedy", nullptr)) {
    HYB_RETURN_IF_ERROR(
        runEntry(s, "decode_greedy", tokens, 1, nullptr, out));
  } else {
    s->hostLogits.resize(size_t(B * V));
    float *logits = s->hostLogits.data();
    HYB_RETURN_IF_ERROR(runEntry(s, "decode", tokens, 1, logits, nullptr));
    for (int64_t b = 0; b < B; ++b)
      out[b] = argmax(logits + b * V, V);
  }
  advance(s, 1);
  return nullptr;
}

