//===- invocation.cpp - Running entry points: checks, descriptors, launch -===//
//
// Every call of an entry point goes through launchEntry: the caller's named
// tensors are checked against the manifest's inputs and outputs, the memref
// descriptors are built from the manifest's symbolic shapes ("B", "T",
// numbers) alone, and the backend launches. The text API (prefill, decode,
// greedy steps) is a thin user of it.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/session.h"

#include <cmath>
#include <cstring>
#include <initializer_list>

using namespace hyb;

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

namespace {

/// `["B", "T", 9] = [2, 5, 9]`: a manifest shape and its value in this call
/// (left symbolic when T is not known).
std::string expectedShape(const std::vector<Dim> &dims, int64_t B, int64_t T) {
  std::vector<int64_t> sizes;
  bool resolved = true;
  for (const Dim &d : dims) {
    if (d.kind == Dim::Tokens && T < 0)
      resolved = false;
    sizes.push_back(d.kind == Dim::Batch    ? B
                    : d.kind == Dim::Tokens ? T
                                            : d.value);
  }
  std::string s = formatDims(dims);
  if (resolved)
    s += " = " + formatShape(sizes);
  return s;
}

std::string ioNames(const EntryPointDecl &e, bool outputs) {
  std::string s;
  for (size_t i : e.io)
    if (e.args[i].isOutput == outputs)
      s += (s.empty() ? "" : ", ") + e.args[i].name;
  return s.empty() ? "none" : s;
}

uint64_t numElements(const hyb_tensor_t &t) {
  uint64_t n = 1;
  for (int32_t i = 0; i < t.rank; ++i)
    n *= uint64_t(t.shape[i]);
  return n;
}

int64_t dimSize(const Dim &d, int64_t B, int64_t T) {
  return d.kind == Dim::Batch ? B : d.kind == Dim::Tokens ? T : d.value;
}

} // namespace

hyb_status_t hyb::launchEntry(hyb_session_t *s, const char *name,
                              const hyb_tensor_t *inputs, size_t numInputs,
                              const hyb_tensor_t *outputs, size_t numOutputs) {
  hyb_module_t *module = s->module;
  const Manifest &m = module->manifest;
  Backend &be = *module->backend;
  if (!name)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_launch: entry point name is NULL");
  if ((numInputs && !inputs) || (numOutputs && !outputs))
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_launch: inputs or outputs is NULL");
  size_t entryIndex = m.entryPoints.size();
  for (size_t i = 0; i < m.entryPoints.size(); ++i)
    if (m.entryPoints[i].name == name)
      entryIndex = i;
  if (entryIndex == m.entryPoints.size())
    return error(HYB_STATUS_NOT_FOUND, module->artifactPath,
                 ": artifact has no '", name, "' entry point");
  const EntryPointDecl &entry = m.entryPoints[entryIndex];
  const int64_t B = s->batch;

  // The caller's tensors, bound to the manifest's inputs and outputs by name.
  std::vector<const hyb_tensor_t *> bound(entry.args.size(), nullptr);
  for (int pass = 0; pass < 2; ++pass) {
    bool out = pass == 1;
    const hyb_tensor_t *list = out ? outputs : inputs;
    size_t n = out ? numOutputs : numInputs;
    const char *what = out ? "output" : "input";
    for (size_t j = 0; j < n; ++j) {
      const hyb_tensor_t &t = list[j];
      if (!t.name)
        return error(HYB_STATUS_INVALID_ARGUMENT, "entry point '", name,
                     "': ", what, " ", j, " has no name");
      const ArgDecl *arg = entry.findIO(t.name);
      if (!arg || arg->isOutput != out)
        return error(HYB_STATUS_NOT_FOUND, "entry point '", name, "' has no ",
                     what, " '", t.name, "' (its ", what, "s: ",
                     ioNames(entry, out), ")");
      size_t index = size_t(arg - entry.args.data());
      if (bound[index])
        return error(HYB_STATUS_INVALID_ARGUMENT, "entry point '", name,
                     "': ", what, " '", t.name, "' is given twice");
      bound[index] = &t;
    }
  }

  // "T" from the first input of the right rank that has it, then every
  // tensor against the manifest.
  int64_t T = -1;
  for (size_t i : entry.io) {
    const ArgDecl &arg = entry.args[i];
    if (arg.isOutput || !bound[i] ||
        bound[i]->rank != int32_t(arg.shape.size()))
      continue;
    for (size_t d = 0; d < arg.shape.size() && T < 0; ++d)
      if (arg.shape[d].kind == Dim::Tokens)
        T = bound[i]->shape[d];
  }
  for (size_t i : entry.io) {
    const ArgDecl &arg = entry.args[i];
    const hyb_tensor_t *t = bound[i];
    const char *what = arg.isOutput ? "output" : "input";
    if (!t) {
      if (!arg.isOutput && arg.role != ArgRole::Position)
        return error(HYB_STATUS_INVALID_ARGUMENT, "entry point '", name,
                     "': missing input '", arg.name, "' (",
                     dtypeName(arg.dtype), " ", formatDims(arg.shape), ")");
      continue;
    }
    if (t->dtype != arg.dtype)
      return error(HYB_STATUS_MISMATCH, "entry point '", name, "': ", what,
                   " '", arg.name, "' is ", dtypeName(t->dtype),
                   ", expected ", dtypeName(arg.dtype));
    bool ok = t->rank == int32_t(arg.shape.size());
    for (size_t d = 0; ok && d < arg.shape.size(); ++d)
      ok = t->shape[d] == dimSize(arg.shape[d], B, T);
    if (!ok) {
      std::vector<int64_t> got;
      for (int32_t d = 0; d < t->rank && d < HYB_MAX_RANK; ++d)
        got.push_back(t->shape[d]);
      return error(HYB_STATUS_MISMATCH, "entry point '", name, "': ", what,
                   " '", arg.name, "' has shape ", formatShape(got),
                   ", expected ", expectedShape(arg.shape, B, T));
    }
    if (!t->data && numElements(*t))
      return error(HYB_STATUS_INVALID_ARGUMENT, "entry point '", name, "': ",
                   what, " '", arg.name, "' has no data");
  }
  bool usesT = entry.advance.kind == Dim::Tokens;
  for (size_t i : entry.io)
    for (const Dim &d : entry.args[i].shape)
      usesT = usesT || d.kind == Dim::Tokens;
  if (usesT && T < 1)
    return error(HYB_STATUS_INVALID_ARGUMENT, "entry point '", name,
                 "': T = ", T, " (the token count must be >= 1)");
  const int64_t steps = dimSize(entry.advance, B, T);

  // Positions and token ids, before anything runs.
  for (size_t i : entry.io) {
    const ArgDecl &arg = entry.args[i];
    if (arg.role != ArgRole::Position || !bound[i])
      continue;
    const int64_t *p = static_cast<const int64_t *>(bound[i]->data);
    for (int64_t b = 0; b < B; ++b)
      if (p[b] != s->positions[size_t(b)])
        return error(HYB_STATUS_MISMATCH, "entry point '", name, "': input '",
                     arg.name, "' gives sequence ", b, " position ", p[b],
                     ", the session is at ", s->positions[size_t(b)]);
  }
  for (int64_t b = 0; b < B; ++b) {
    int64_t end;
    if (__builtin_add_overflow(s->positions[size_t(b)], steps, &end) ||
        end > m.maxSeq)
      return error(HYB_STATUS_OUT_OF_RANGE, "sequence ", b, ": position ",
                   s->positions[size_t(b)], " + ", steps, " tokens = ", end,
                   " exceeds max_seq ", m.maxSeq);
  }
  for (size_t i : entry.io) {
    const ArgDecl &arg = entry.args[i];
    if (arg.role != ArgRole::Tokens)
      continue;
    const hyb_tensor_t &t = *bound[i];
    const int64_t *ids = static_cast<const int64_t *>(t.data);
    const uint64_t rows = uint64_t(t.shape[1]), n = numElements(t);
    if (n == 0)
      continue;
    const uint64_t inner = n / (uint64_t(B) * rows);
    for (uint64_t j = 0; j < n; ++j) {
      int64_t id = ids[j];
      if (id >= 0 && id < m.vocabSize)
        continue;
      int64_t b = int64_t(j / (rows * inner)), row = int64_t(j / inner % rows);
      std::string column =
          inner > 1 ? ", column " + std::to_string(j % inner) : "";
      return error(HYB_STATUS_OUT_OF_RANGE, "token id ", id, " at sequence ",
                   b, ", index ", row, column, " (position ",
                   s->positions[size_t(b)] + row, ") is outside [0, ",
                   m.vocabSize, ")");
    }
  }

  // Everything checked: stage, build the descriptors, launch.
  HYB_RETURN_IF_ERROR(synchronize(s));
  if (s->staging.size() != m.entryPoints.size()) {
    s->staging.resize(m.entryPoints.size());
    s->hostScratch.resize(m.entryPoints.size());
  }
  auto &staging = s->staging[entryIndex];
  auto &scratch = s->hostScratch[entryIndex];
  staging.resize(entry.args.size());
  scratch.resize(entry.args.size());

  static_assert(sizeof(void *) == sizeof(int64_t), "64-bit hosts only");
  size_t numWords = 0;
  for (const ArgDecl &arg : entry.args)
    numWords += 3 + 2 * arg.shape.size();
  std::vector<int64_t> words(numWords, 0);
  std::vector<void *> args(entry.args.size());
  size_t firstPending = s->pending.size();
  int64_t *d = words.data();
  for (size_t i = 0; i < entry.args.size(); ++i) {
    const ArgDecl &arg = entry.args[i];
    void *data = nullptr;
    if (arg.role == ArgRole::Weight) {
      data = module->weights.buffers[arg.tensorIndex].ptr;
    } else if (arg.role == ArgRole::State) {
      data = s->state[arg.tensorIndex].ptr;
    } else {
      uint64_t bytes = dtypeSize(arg.dtype);
      for (const Dim &dim : arg.shape)
        bytes *= uint64_t(dimSize(dim, B, T));
      void *host;
      if (bound[i]) {
        host = bound[i]->data;
      } else if (arg.isOutput) {
        scratch[i].resize(size_t(bytes));
        host = scratch[i].data();
      } else { // "position" left out: the session's positions
        host = s->positions.data();
      }
      hyb_status_t st =
          arg.isOutput
              ? be.stageOutput(&s->env, host, bytes, staging[i], &data)
              : be.stageInput(&s->env, host, bytes, staging[i], &data);
      if (st) {
        s->pending.resize(firstPending);
        return st;
      }
      if (arg.isOutput)
        s->pending.push_back({host, data, bytes});
    }
    // MLIR's strided memref descriptor as int64 words: allocated, aligned,
    // offset = 0, sizes[R], strides[R] (row-major, in elements).
    const size_t rank = arg.shape.size();
    std::memcpy(&d[0], &data, sizeof(void *));
    std::memcpy(&d[1], &data, sizeof(void *));
    int64_t stride = 1;
    for (size_t r = rank; r-- > 0;) {
      d[3 + r] = dimSize(arg.shape[r], B, T);
      d[3 + rank + r] = stride;
      stride *= d[3 + r];
    }
    args[i] = d;
    d += 3 + 2 * rank;
  }
  LaunchInfo info;
  info.entryName = entry.name.c_str();
  info.replayable = entry.fixedTokens == 1;
  info.descriptorWords = words.data();
  info.numDescriptorWords = words.size();
  if (hyb_status_t st = be.launch(module->entryFns[entryIndex], args.data(),
                                  &s->env, info)) {
    s->pending.resize(firstPending);
    return st;
  }
  for (auto &p : s->positions)
    p += steps;
  return nullptr;
}

hyb_status_t hyb::synchronize(hyb_session_t *s) {
  Backend &be = *s->module->backend;
  hyb_status_t st = be.synchronize(&s->env);
  for (const auto &o : s->pending)
    if (!st)
      st = be.finishOutput(&s->env, o.host, o.device, o.bytes);
  s->pending.clear();
  return st;
}

hyb_status_t hyb::runText(hyb_session_t *s, const char *name,
                          const int64_t *tokens, int64_t T, float *logits,
                          int64_t *next) {
  const Manifest &m = s->module->manifest;
  const EntryPointDecl *entry = m.findEntryPoint(name);
  if (!entry)
    return error(HYB_STATUS_NOT_FOUND, s->module->artifactPath,
                 ": artifact has no '", name, "' entry point");
  const int64_t B = s->batch, V = m.vocabSize;
  hyb_tensor_t in = {}, out[2] = {};
  size_t numOut = 0;
  auto tensor = [](const std::string &n, hyb_dtype_t dtype,
                   std::initializer_list<int64_t> shape, void *data) {
    hyb_tensor_t t = {};
    t.name = n.c_str();
    t.dtype = dtype;
    for (int64_t d : shape)
      t.shape[t.rank++] = d;
    t.data = data;
    return t;
  };
  for (size_t i : entry->io) {
    const ArgDecl &arg = entry->args[i];
    if (arg.role == ArgRole::Tokens)
      in = tensor(arg.name, HYB_DTYPE_I64, {B, T},
                  const_cast<int64_t *>(tokens));
    else if (arg.role == ArgRole::Logits && logits)
      out[numOut++] = tensor(arg.name, HYB_DTYPE_F32, {B, T, V}, logits);
    else if (arg.role == ArgRole::NextToken && next)
      out[numOut++] = tensor(arg.name, HYB_DTYPE_I64, {B, T}, next);
  }
  HYB_RETURN_IF_ERROR(launchEntry(s, name, &in, 1, out, numOut));
  return synchronize(s);
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

hyb_status_t hyb::greedyStep(hyb_session_t *s, const int64_t *tokens,
                             int64_t *out) {
  const int64_t B = s->batch, V = s->module->manifest.vocabSize;
  if (s->module->entryPoint("decode_greedy", nullptr))
    return runText(s, "decode_greedy", tokens, 1, nullptr, out);
  s->hostLogits.resize(size_t(B * V));
  float *logits = s->hostLogits.data();
  HYB_RETURN_IF_ERROR(runText(s, "decode", tokens, 1, logits, nullptr));
  for (int64_t b = 0; b < B; ++b)
    out[b] = argmax(logits + b * V, V);
  return nullptr;
}
