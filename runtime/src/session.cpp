//===- session.cpp - Sessions: the C API, state lifecycle ------------------===//

#include "runtime/src/session.h"

#include <cstring>

using namespace hyb;

uint64_t hyb::stateBytes(const TensorDecl &decl, int64_t batch) {
  return decl.numBytes * uint64_t(batch);
}


hyb_status_t hyb::checkSession(const hyb_session_t *s, const char *fn) {
  if (!s)
    return error(HYB_STATUS_INVALID_ARGUMENT, fn, ": session is NULL");
  return nullptr;
}

/// Everything checked before a call that consumes |numTokens| tokens per

namespace {

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
  return saveSession(session, path);
  HYB_API_END
}

hyb_status_t hyb_session_load(hyb_session_t *session, const char *path) {
  HYB_API_BEGIN
  return loadSession(session, path);
  HYB_API_END
}

void hyb_session_free(hyb_session_t *session) {
  if (session)
    destroy(session);
}

} // extern "C"
