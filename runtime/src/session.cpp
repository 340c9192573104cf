//===- session.cpp - Sessions: state, positions, entry point calls --------===//

#include "runtime/src/session.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace hyb;

namespace {

constexpr char kMagic[8] = {'H', 'Y', 'B', 'S', 'T', 'A', 'T', 'E'};

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

uint64_t stateBytes(const TensorDecl &decl, int64_t batch) {
  return decl.numBytes * uint64_t(batch);
}

hyb_status_t checkSession(const hyb_session_t *s, const char *fn) {
  if (!s)
    return error(HYB_STATUS_INVALID_ARGUMENT, fn, ": session is NULL");
  return nullptr;
}

/// Everything checked before a call that consumes |numTokens| tokens per
/// sequence now and |extraSteps| more later (generate): nothing runs if any
/// check fails.
hyb_status_t checkTokens(const hyb_session_t *s, const int64_t *tokens,
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
hyb_status_t runEntry(hyb_session_t *s, const char *name, const int64_t *tokens,
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
int64_t argmax(const float *row, int64_t n) {
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

void advance(hyb_session_t *s, int64_t n) {
  for (auto &p : s->positions)
    p += n;
}

/// One greedy step on [B] |tokens|, results in |out| ([B]). Checked by the
/// caller.
hyb_status_t greedyStep(hyb_session_t *s, const int64_t *tokens, int64_t *out) {
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

hyb_status_t allocateState(hyb_session_t *s) {
  const Manifest &m = s->module->manifest;
  for (const TensorDecl &decl : m.state) {
    uint64_t bytes;
    if (__builtin_mul_overflow(decl.numBytes, uint64_t(s->batch), &bytes))
      return error(HYB_STATUS_OUT_OF_MEMORY, "state buffer '", decl.name,
                   "': ", s->batch, " x ", decl.numBytes, " bytes overflows");
    hyb::DeviceBuffer buffer;
    if (hyb_status_t st = s->module->backend->allocate(bytes, &buffer))
      return annotate(st, "state buffer '" + decl.name + "'");
    s->state.push_back(buffer);
  }
  return nullptr;
}

void destroy(hyb_session_t *s) {
  Backend &be = *s->module->backend;
  for (auto &b : s->state)
    be.release(b);
  be.release(s->scratchTokens);
  be.release(s->scratchPositions);
  be.release(s->scratchLogits);
  be.release(s->scratchNext);
  s->module->liveSessions.fetch_sub(1);
  delete s;
}

struct SessionDeleter {
  void operator()(hyb_session_t *s) const { destroy(s); }
};
using SessionPtr = std::unique_ptr<hyb_session_t, SessionDeleter>;

/// A new session of |module| with zeroed state (counted as live).
hyb_status_t newSession(hyb_module_t *module, int64_t batch, SessionPtr *out) {
  SessionPtr s(new hyb_session_t());
  s->module = module;
  module->liveSessions.fetch_add(1);
  s->batch = batch;
  s->positions.assign(size_t(batch), 0);
  HYB_RETURN_IF_ERROR(allocateState(s.get()));
  *out = std::move(s);
  return nullptr;
}

//===-- Session files ------------------------------------------------------===//

uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;

struct Writer {
  FILE *f;
  uint64_t hash = kFnvOffset;
  bool ok = true;
  void bytes(const void *p, size_t n) {
    hash = fnv1a(hash, p, n);
    if (n && std::fwrite(p, 1, n, f) != n)
      ok = false;
  }
  void u64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i)
      b[i] = (v >> (8 * i)) & 0xff;
    bytes(b, 8);
  }
  void u32(uint32_t v) {
    unsigned char b[4];
    for (int i = 0; i < 4; ++i)
      b[i] = (v >> (8 * i)) & 0xff;
    bytes(b, 4);
  }
  void str(const std::string &s) {
    u32(uint32_t(s.size()));
    bytes(s.data(), s.size());
  }
};

struct Reader {
  FILE *f;
  const std::string &path;
  uint64_t offset = 0;
  uint64_t hash = kFnvOffset;
  hyb_status_t bytes(void *p, size_t n, const char *what) {
    if (n && std::fread(p, 1, n, f) != n)
      return error(HYB_STATUS_INVALID_FORMAT, path, ": truncated at byte ",
                   offset, " while reading ", what);
    hash = fnv1a(hash, p, n);
    offset += n;
    return nullptr;
  }
  hyb_status_t u64(uint64_t *v, const char *what) {
    unsigned char b[8];
    HYB_RETURN_IF_ERROR(bytes(b, 8, what));
    *v = 0;
    for (int i = 7; i >= 0; --i)
      *v = (*v << 8) | b[i];
    return nullptr;
  }
  hyb_status_t i64(int64_t *v, const char *what) {
    uint64_t u;
    HYB_RETURN_IF_ERROR(u64(&u, what));
    std::memcpy(v, &u, 8);
    return nullptr;
  }
  hyb_status_t u32(uint32_t *v, const char *what) {
    unsigned char b[4];
    HYB_RETURN_IF_ERROR(bytes(b, 4, what));
    *v = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 |
         uint32_t(b[3]) << 24;
    return nullptr;
  }
  hyb_status_t str(std::string *s, const char *what, uint32_t maxLen) {
    uint32_t n;
    HYB_RETURN_IF_ERROR(u32(&n, what));
    if (n > maxLen)
      return error(HYB_STATUS_INVALID_FORMAT, path, ": ", what, " at byte ",
                   offset - 4, " claims ", n, " bytes (corrupt file)");
    s->resize(n);
    return bytes(s->data(), n, what);
  }
};

struct FileCloser {
  FILE *f;
  ~FileCloser() {
    if (f)
      std::fclose(f);
  }
};

} // namespace

extern "C" {

void hyb_session_options_init(hyb_session_options_t *out_options) {
  if (out_options)
    out_options->batch_size = 1;
}

hyb_status_t hyb_session_create(hyb_module_t *module,
                                const hyb_session_options_t *options,
                                hyb_session_t **out_session) {
  HYB_API_BEGIN
  if (!module || !out_session)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_create: module and out_session must not be "
                 "NULL");
  hyb_session_options_t defaults;
  hyb_session_options_init(&defaults);
  if (!options)
    options = &defaults;
  if (options->batch_size < 1)
    return error(HYB_STATUS_INVALID_ARGUMENT, "hyb_session_create: batch size ",
                 options->batch_size, " must be >= 1");
  if (!module->weights.bound)
    return error(HYB_STATUS_FAILED_PRECONDITION, module->artifactPath,
                 ": weights are not bound (call hyb_module_bind_weights "
                 "first)");
  SessionPtr s;
  HYB_RETURN_IF_ERROR(newSession(module, options->batch_size, &s));
  *out_session = s.release();
  return nullptr;
  HYB_API_END
}

int64_t hyb_session_batch_size(const hyb_session_t *session) {
  return session ? session->batch : 0;
}

int64_t hyb_session_position(const hyb_session_t *session, int64_t sequence) {
  if (!session || sequence < 0 || sequence >= session->batch)
    return -1;
  return session->positions[size_t(sequence)];
}

void hyb_session_positions(const hyb_session_t *session,
                           int64_t *out_positions) {
  if (session && out_positions)
    std::memcpy(out_positions, session->positions.data(),
                session->positions.size() * sizeof(int64_t));
}

hyb_status_t hyb_session_prefill(hyb_session_t *session, const int64_t *tokens,
                                 int64_t num_tokens, float *out_logits) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_prefill"));
  if (!tokens || num_tokens < 1)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_prefill: need tokens and num_tokens >= 1, got ",
                 num_tokens);
  HYB_RETURN_IF_ERROR(checkTokens(session, tokens, num_tokens, 0));
  HYB_RETURN_IF_ERROR(
      runEntry(session, "prefill", tokens, num_tokens, out_logits, nullptr));
  advance(session, num_tokens);
  return nullptr;
  HYB_API_END
}

hyb_status_t hyb_session_decode(hyb_session_t *session, const int64_t *tokens,
                                float *out_logits) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_decode"));
  if (!tokens)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_decode: tokens is NULL");
  HYB_RETURN_IF_ERROR(checkTokens(session, tokens, 1, 0));
  HYB_RETURN_IF_ERROR(
      runEntry(session, "decode", tokens, 1, out_logits, nullptr));
  advance(session, 1);
  return nullptr;
  HYB_API_END
}

hyb_status_t hyb_session_decode_greedy(hyb_session_t *session,
                                       const int64_t *tokens,
                                       int64_t *out_next_tokens) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_decode_greedy"));
  if (!tokens || !out_next_tokens)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_decode_greedy: tokens and out_next_tokens must "
                 "not be NULL");
  HYB_RETURN_IF_ERROR(checkTokens(session, tokens, 1, 0));
  return greedyStep(session, tokens, out_next_tokens);
  HYB_API_END
}

hyb_status_t hyb_session_generate_greedy(hyb_session_t *session,
                                         const int64_t *prompt,
                                         int64_t prompt_len,
                                         int64_t num_tokens,
                                         int64_t *out_tokens) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_generate_greedy"));
  if (!prompt || !out_tokens || prompt_len < 1 || num_tokens < 1)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_generate_greedy: need a prompt, out_tokens, "
                 "prompt_len >= 1 and num_tokens >= 1 (got ",
                 prompt_len, ", ", num_tokens, ")");
  // The prompt, then num_tokens - 1 fed-back tokens: all checked up front.
  HYB_RETURN_IF_ERROR(
      checkTokens(session, prompt, prompt_len, num_tokens - 1));
  const int64_t B = session->batch, V = session->module->manifest.vocabSize;
  const int64_t T = prompt_len, n = num_tokens;
  std::vector<float> logits(size_t(B * T * V));
  HYB_RETURN_IF_ERROR(
      runEntry(session, "prefill", prompt, T, logits.data(), nullptr));
  advance(session, T);
  std::vector<int64_t> current(static_cast<size_t>(B)), next(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    current[size_t(b)] = argmax(logits.data() + (b * T + T - 1) * V, V);
    out_tokens[b * n] = current[size_t(b)];
  }
  for (int64_t i = 1; i < n; ++i) {
    HYB_RETURN_IF_ERROR(checkTokens(session, current.data(), 1, 0));
    HYB_RETURN_IF_ERROR(greedyStep(session, current.data(), next.data()));
    for (int64_t b = 0; b < B; ++b)
      out_tokens[b * n + i] = next[size_t(b)];
    current.swap(next);
  }
  return nullptr;
  HYB_API_END
}

hyb_status_t hyb_session_reset(hyb_session_t *session) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_reset"));
  for (auto &b : session->state)
    HYB_RETURN_IF_ERROR(session->module->backend->zero(b));
  for (auto &p : session->positions)
    p = 0;
  return nullptr;
  HYB_API_END
}

hyb_status_t hyb_session_fork(const hyb_session_t *session,
                              hyb_session_t **out_session) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_fork"));
  if (!out_session)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_fork: out_session is NULL");
  SessionPtr s;
  HYB_RETURN_IF_ERROR(newSession(session->module, session->batch, &s));
  for (size_t i = 0; i < s->state.size(); ++i)
    HYB_RETURN_IF_ERROR(
        session->module->backend->copyBuffer(s->state[i], session->state[i]));
  s->positions = session->positions;
  *out_session = s.release();
  return nullptr;
  HYB_API_END
}

hyb_status_t hyb_session_read_state(const hyb_session_t *session,
                                    int64_t state_index, void *out_data,
                                    size_t size_bytes) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_read_state"));
  const Manifest &m = session->module->manifest;
  if (state_index < 0 || state_index >= int64_t(m.state.size()))
    return error(HYB_STATUS_OUT_OF_RANGE, "state index ", state_index,
                 " is outside [0, ", m.state.size(), ")");
  const TensorDecl &decl = m.state[size_t(state_index)];
  uint64_t bytes = stateBytes(decl, session->batch);
  if (!out_data || size_bytes != bytes)
    return error(HYB_STATUS_INVALID_ARGUMENT, "state buffer '", decl.name,
                 "' has ", bytes, " bytes, the destination ", size_bytes);
  return session->module->backend->copyToHost(
      session->state[size_t(state_index)], out_data, bytes);
  HYB_API_END
}

hyb_status_t hyb_session_save(const hyb_session_t *session, const char *path) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_save"));
  if (!path)
    return error(HYB_STATUS_INVALID_ARGUMENT, "hyb_session_save: path is NULL");
  const Manifest &m = session->module->manifest;
  // Write a temporary file, then rename: a failed save leaves no partial
  // file under |path|.
  std::string tmp = std::string(path) + ".tmp." + std::to_string(getpid());
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    return error(HYB_STATUS_IO_ERROR, path, ": cannot create: ",
                 std::strerror(errno));
  Writer w{f};
  w.bytes(kMagic, 8);
  w.u32(HYB_SESSION_FILE_VERSION);
  w.u32(0); // flags, reserved
  w.str(m.modelName);
  w.str(m.configHash);
  w.u64(uint64_t(session->batch));
  for (int64_t p : session->positions)
    w.u64(uint64_t(p));
  w.u32(uint32_t(m.state.size()));
  std::vector<uint8_t> host;
  hyb_status_t status = nullptr;
  for (size_t i = 0; i < m.state.size() && !status; ++i) {
    const TensorDecl &decl = m.state[i];
    w.str(decl.name);
    w.str(dtypeName(decl.dtype));
    w.u32(uint32_t(decl.shape.size() + 1));
    w.u64(uint64_t(session->batch));
    for (int64_t d : decl.shape)
      w.u64(uint64_t(d));
    uint64_t bytes = stateBytes(decl, session->batch);
    w.u64(bytes);
    host.resize(size_t(bytes));
    status = session->module->backend->copyToHost(session->state[i],
                                                  host.data(), bytes);
    if (!status)
      w.bytes(host.data(), size_t(bytes));
  }
  uint64_t checksum = w.hash;
  w.u64(checksum);
  bool closed = std::fclose(f) == 0;
  if (!status && (!w.ok || !closed))
    status = error(HYB_STATUS_IO_ERROR, path, ": write failed: ",
                   std::strerror(errno));
  if (!status && std::rename(tmp.c_str(), path) != 0)
    status = error(HYB_STATUS_IO_ERROR, path, ": cannot rename ", tmp, ": ",
                   std::strerror(errno));
  if (status)
    std::remove(tmp.c_str());
  return status;
  HYB_API_END
}

hyb_status_t hyb_session_load(hyb_session_t *session, const char *path) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_load"));
  if (!path)
    return error(HYB_STATUS_INVALID_ARGUMENT, "hyb_session_load: path is NULL");
  const Manifest &m = session->module->manifest;
  std::string p = path;
  FileCloser closer{std::fopen(path, "rb")};
  if (!closer.f)
    return error(errno == ENOENT ? HYB_STATUS_NOT_FOUND : HYB_STATUS_IO_ERROR,
                 p, ": cannot open: ", std::strerror(errno));
  Reader r{closer.f, p};
  char magic[8];
  HYB_RETURN_IF_ERROR(r.bytes(magic, 8, "the magic"));
  if (std::memcmp(magic, kMagic, 8) != 0)
    return error(HYB_STATUS_INVALID_FORMAT, p,
                 ": not a hybrid session file (bad magic)");
  uint32_t version, flags;
  HYB_RETURN_IF_ERROR(r.u32(&version, "the version"));
  if (version != HYB_SESSION_FILE_VERSION)
    return error(HYB_STATUS_INVALID_FORMAT, p, ": session file version ",
                 version, " is not supported (this runtime reads version ",
                 HYB_SESSION_FILE_VERSION, ")");
  HYB_RETURN_IF_ERROR(r.u32(&flags, "the flags"));
  if (flags != 0)
    return error(HYB_STATUS_INVALID_FORMAT, p, ": unknown flags 0x",
                 std::hex, flags);
  std::string model, hash;
  HYB_RETURN_IF_ERROR(r.str(&model, "the model name", 1 << 16));
  HYB_RETURN_IF_ERROR(r.str(&hash, "the config hash", 1 << 16));
  if (hash != m.configHash || model != m.modelName)
    return error(HYB_STATUS_MISMATCH, p, ": saved by model '", model,
                 "' (config_hash ", hash, "), but this module is '",
                 m.modelName, "' (config_hash ", m.configHash, ")");
  uint64_t batch;
  HYB_RETURN_IF_ERROR(r.u64(&batch, "the batch size"));
  if (batch != uint64_t(session->batch))
    return error(HYB_STATUS_MISMATCH, p, ": batch size ", batch,
                 " in the file, the session has ", session->batch);
  std::vector<int64_t> positions(static_cast<size_t>(batch));
  for (uint64_t b = 0; b < batch; ++b) {
    HYB_RETURN_IF_ERROR(r.i64(&positions[size_t(b)], "a position"));
    if (positions[size_t(b)] < 0 || positions[size_t(b)] > m.maxSeq)
      return error(HYB_STATUS_OUT_OF_RANGE, p, ": sequence ", b,
                   " position ", positions[size_t(b)],
                   " is outside [0, max_seq ", m.maxSeq, "]");
  }
  uint32_t count;
  HYB_RETURN_IF_ERROR(r.u32(&count, "the state buffer count"));
  if (count != m.state.size())
    return error(HYB_STATUS_MISMATCH, p, ": ", count,
                 " state buffers in the file, the module has ",
                 m.state.size());
  std::vector<std::vector<uint8_t>> data(count);
  for (uint32_t i = 0; i < count; ++i) {
    const TensorDecl &decl = m.state[i];
    std::string name, dtype;
    HYB_RETURN_IF_ERROR(r.str(&name, "a state buffer name", 1 << 16));
    if (name != decl.name)
      return error(HYB_STATUS_MISMATCH, p, ": state buffer ", i, " is '", name,
                   "' in the file, the module expects '", decl.name, "'");
    HYB_RETURN_IF_ERROR(r.str(&dtype, "a dtype", 16));
    if (dtype != dtypeName(decl.dtype))
      return error(HYB_STATUS_MISMATCH, p, ": state buffer '", name,
                   "' is ", dtype, " in the file, the module expects ",
                   dtypeName(decl.dtype));
    uint32_t rank;
    HYB_RETURN_IF_ERROR(r.u32(&rank, "a rank"));
    if (rank > HYB_MAX_RANK + 1)
      return error(HYB_STATUS_INVALID_FORMAT, p, ": state buffer '", name,
                   "' has rank ", rank, " (corrupt file)");
    std::vector<int64_t> shape(rank), expected = {session->batch};
    expected.insert(expected.end(), decl.shape.begin(), decl.shape.end());
    for (auto &d : shape)
      HYB_RETURN_IF_ERROR(r.i64(&d, "a shape"));
    if (shape != expected)
      return error(HYB_STATUS_MISMATCH, p, ": state buffer '", name,
                   "' has shape ", formatShape(shape),
                   " in the file, the module expects ", formatShape(expected));
    uint64_t bytes, want = stateBytes(decl, session->batch);
    HYB_RETURN_IF_ERROR(r.u64(&bytes, "a byte size"));
    if (bytes != want)
      return error(HYB_STATUS_INVALID_FORMAT, p, ": state buffer '", name,
                   "' claims ", bytes, " bytes, its shape needs ", want);
    data[i].resize(size_t(bytes));
    HYB_RETURN_IF_ERROR(r.bytes(data[i].data(), size_t(bytes),
                                ("the data of '" + name + "'").c_str()));
  }
  uint64_t expectedSum = r.hash, checksum;
  HYB_RETURN_IF_ERROR(r.u64(&checksum, "the checksum"));
  if (checksum != expectedSum)
    return error(HYB_STATUS_INVALID_FORMAT, p,
                 ": checksum mismatch (the file is corrupt)");
  if (std::fgetc(closer.f) != EOF)
    return error(HYB_STATUS_INVALID_FORMAT, p, ": trailing bytes after byte ",
                 r.offset);
  // Everything checked: commit.
  for (uint32_t i = 0; i < count; ++i)
    HYB_RETURN_IF_ERROR(session->module->backend->copyFromHost(
        session->state[i], data[i].data(), data[i].size()));
  session->positions = positions;
  return nullptr;
  HYB_API_END
}

void hyb_session_free(hyb_session_t *session) {
  if (session)
    destroy(session);
}

} // extern "C"
