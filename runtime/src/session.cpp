//===- session.cpp - Sessions: the C API, state lifecycle ------------------===//

#include "runtime/src/session.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unistd.h>

using namespace hyb;

uint64_t hyb::stateBytes(const TensorDecl &decl, int64_t batch) {
  return decl.numBytes * uint64_t(batch);
}

hyb_status_t hyb::checkSession(const hyb_session_t *s, const char *fn) {
  if (!s)
    return error(HYB_STATUS_INVALID_ARGUMENT, fn, ": session is NULL");
  return nullptr;
}

namespace {

/// The header of a sequence's state (hyb_session_get_sequence_state), in
/// host byte order, then every state buffer's slice in manifest order.
constexpr char kSequenceMagic[8] = {'H', 'Y', 'B', 'S', 'E', 'Q', 'S', 'T'};
constexpr uint32_t kSequenceVersion = 1;
struct SequenceHeader {
  char magic[8];
  uint32_t version;
  uint32_t count;      // state buffers
  uint64_t configHash; // FNV-1a 64 of the manifest's config_hash
  int64_t position;
};
constexpr uint64_t kSequenceHeaderBytes = sizeof(SequenceHeader);
static_assert(kSequenceHeaderBytes == 32, "packed header");

uint64_t hashString(const std::string &s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

hyb_status_t checkSequence(const hyb_session_t *s, int64_t sequence,
                           const char *what) {
  if (sequence < 0 || sequence >= s->batch)
    return error(HYB_STATUS_OUT_OF_RANGE, "hyb_session_", what,
                 "_sequence_state: sequence ", sequence, " is outside [0, ",
                 s->batch, ")");
  return nullptr;
}

/// Completes what is in flight before a read-only call looks at the state.
hyb_status_t settle(const hyb_session_t *s) {
  return synchronize(const_cast<hyb_session_t *>(s));
}

/// The most bytes of state one session may allocate: HYBRID_MAX_STATE_BYTES
/// when set; else, for state in host memory, the machine's physical memory
/// (past it, allocation succeeds lazily and zeroing the pages gets the
/// process killed); else no limit (a device allocation fails cleanly).
hyb_status_t stateBudget(const Backend &backend, uint64_t *out) {
  if (const char *text = std::getenv("HYBRID_MAX_STATE_BYTES")) {
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(text, &end, 10);
    if (!*text || *end || errno == ERANGE || text[0] == '-')
      return error(HYB_STATUS_INVALID_ARGUMENT,
                   "HYBRID_MAX_STATE_BYTES='", printable(text),
                   "': expected a byte count");
    *out = v;
    return nullptr;
  }
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  uint64_t physical;
  if (backend.device() != HYB_DEVICE_CPU || pages <= 0 || pageSize <= 0 ||
      __builtin_mul_overflow(uint64_t(pages), uint64_t(pageSize), &physical))
    physical = std::numeric_limits<uint64_t>::max();
  *out = physical;
  return nullptr;
}

/// Refuses, before anything is allocated, a session of |batch| sequences
/// whose state would not fit: its byte count overflows or exceeds the
/// budget (stateBudget).
hyb_status_t checkStateBudget(const hyb_module_t *module, int64_t batch) {
  uint64_t total = 0, perSequence = 0;
  for (const TensorDecl &decl : module->manifest.state)
    if (__builtin_add_overflow(perSequence, decl.numBytes, &perSequence))
      return error(HYB_STATUS_OUT_OF_MEMORY, module->artifactPath,
                   ": the state of one sequence overflows 64 bits");
  if (__builtin_mul_overflow(perSequence, uint64_t(batch), &total))
    return error(HYB_STATUS_OUT_OF_MEMORY, "hyb_session_create: ", batch,
                 " sequences x ", perSequence,
                 " state bytes each overflows 64 bits");
  uint64_t budget;
  HYB_RETURN_IF_ERROR(stateBudget(*module->backend, &budget));
  if (total > budget)
    return error(HYB_STATUS_OUT_OF_MEMORY, "hyb_session_create: ", batch,
                 " sequences x ", perSequence, " state bytes each = ", total,
                 " bytes, more than the ", budget, "-byte limit (",
                 std::getenv("HYBRID_MAX_STATE_BYTES")
                     ? "HYBRID_MAX_STATE_BYTES"
                     : "physical memory",
                 ")");
  return nullptr;
}

hyb_status_t allocateState(hyb_session_t *s) {
  const Manifest &m = s->module->manifest;
  for (const TensorDecl &decl : m.state) {
    // checkStateBudget has bounded the total, so this does not overflow.
    uint64_t bytes = stateBytes(decl, s->batch);
    hyb::DeviceBuffer buffer;
    if (hyb_status_t st = s->module->backend->allocate(bytes, &buffer))
      return annotate(st, "state buffer '" + decl.name + "'");
    s->state.push_back(buffer);
  }
  return nullptr;
}

void destroy(hyb_session_t *s) {
  Backend &be = *s->module->backend;
  // First: a device backend waits for the session's stream there, so no
  // work in flight reads the buffers released below.
  be.releaseEnv(&s->env);
  for (auto &b : s->state)
    be.release(b);
  for (auto &entry : s->staging)
    for (auto &b : entry)
      be.release(b);
  s->module->liveSessions.fetch_sub(1);
  delete s;
}

struct SessionDeleter {
  void operator()(hyb_session_t *s) const { destroy(s); }
};
using SessionPtr = std::unique_ptr<hyb_session_t, SessionDeleter>;

/// A new session of |module| with zeroed state (counted as live).
hyb_status_t newSession(hyb_module_t *module, int64_t batch, SessionPtr *out) {
  HYB_RETURN_IF_ERROR(checkStateBudget(module, batch));
  SessionPtr s(new hyb_session_t());
  s->module = module;
  module->liveSessions.fetch_add(1);
  s->batch = batch;
  s->positions.assign(size_t(batch), 0);
  s->env.abi_version = HYB_ABI_VERSION;
  s->env.struct_size = sizeof(hyb_env_t);
  HYB_RETURN_IF_ERROR(module->backend->initEnv(&s->env));
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
  return runText(session, "prefill", tokens, num_tokens, out_logits, nullptr);
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
  return runText(session, "decode", tokens, 1, out_logits, nullptr);
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
      runText(session, "prefill", prompt, T, logits.data(), nullptr));
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
  HYB_RETURN_IF_ERROR(synchronize(session));
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
  HYB_RETURN_IF_ERROR(settle(session));
  SessionPtr s;
  HYB_RETURN_IF_ERROR(newSession(session->module, session->batch, &s));
  s->env.seed = session->env.seed;
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
  HYB_RETURN_IF_ERROR(settle(session));
  return session->module->backend->copyToHost(
      session->state[size_t(state_index)], out_data, bytes);
  HYB_API_END
}

hyb_status_t hyb_session_write_state(hyb_session_t *session,
                                     int64_t state_index, const void *data,
                                     size_t size_bytes) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_write_state"));
  const Manifest &m = session->module->manifest;
  if (state_index < 0 || state_index >= int64_t(m.state.size()))
    return error(HYB_STATUS_OUT_OF_RANGE, "state index ", state_index,
                 " is outside [0, ", m.state.size(), ")");
  const TensorDecl &decl = m.state[size_t(state_index)];
  uint64_t bytes = stateBytes(decl, session->batch);
  if (!data || size_bytes != bytes)
    return error(HYB_STATUS_INVALID_ARGUMENT, "state buffer '", decl.name,
                 "' has ", bytes, " bytes, the source ", size_bytes);
  HYB_RETURN_IF_ERROR(synchronize(session));
  return session->module->backend->copyFromHost(
      session->state[size_t(state_index)], data, bytes);
  HYB_API_END
}

hyb_status_t hyb_session_set_positions(hyb_session_t *session,
                                       const int64_t *positions) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_set_positions"));
  if (!positions)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_set_positions: positions is NULL");
  const int64_t maxSeq = session->module->manifest.maxSeq;
  for (int64_t b = 0; b < session->batch; ++b)
    if (positions[b] < 0 || positions[b] > maxSeq)
      return error(HYB_STATUS_OUT_OF_RANGE, "sequence ", b, ": position ",
                   positions[b], " is outside [0, max_seq ", maxSeq, "]");
  HYB_RETURN_IF_ERROR(synchronize(session));
  session->positions.assign(positions, positions + session->batch);
  return nullptr;
  HYB_API_END
}

size_t hyb_session_sequence_state_size(const hyb_session_t *session) {
  if (!session)
    return 0;
  uint64_t bytes = kSequenceHeaderBytes;
  for (const TensorDecl &decl : session->module->manifest.state)
    bytes += decl.numBytes;
  return size_t(bytes);
}

hyb_status_t hyb_session_get_sequence_state(const hyb_session_t *session,
                                            int64_t sequence, void *out_data,
                                            size_t size_bytes) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(
      checkSession(session, "hyb_session_get_sequence_state"));
  HYB_RETURN_IF_ERROR(checkSequence(session, sequence, "get"));
  size_t want = hyb_session_sequence_state_size(session);
  if (!out_data || size_bytes != want)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_get_sequence_state: a sequence's state is ",
                 want, " bytes, the destination ", size_bytes);
  HYB_RETURN_IF_ERROR(settle(session));
  const Manifest &m = session->module->manifest;
  unsigned char *p = static_cast<unsigned char *>(out_data);
  SequenceHeader h;
  std::memcpy(h.magic, kSequenceMagic, 8);
  h.version = kSequenceVersion;
  h.count = uint32_t(m.state.size());
  h.configHash = hashString(m.configHash);
  h.position = session->positions[size_t(sequence)];
  std::memcpy(p, &h, sizeof h);
  p += kSequenceHeaderBytes;
  for (size_t i = 0; i < m.state.size(); ++i) {
    uint64_t n = m.state[i].numBytes;
    HYB_RETURN_IF_ERROR(session->module->backend->readRange(
        session->state[i], n * uint64_t(sequence), p, n));
    p += n;
  }
  return nullptr;
  HYB_API_END
}

hyb_status_t hyb_session_set_sequence_state(hyb_session_t *session,
                                            int64_t sequence, const void *data,
                                            size_t size_bytes) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(
      checkSession(session, "hyb_session_set_sequence_state"));
  HYB_RETURN_IF_ERROR(checkSequence(session, sequence, "set"));
  size_t want = hyb_session_sequence_state_size(session);
  if (!data || size_bytes != want)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_session_set_sequence_state: a sequence's state is ",
                 want, " bytes, the source ", size_bytes);
  const Manifest &m = session->module->manifest;
  SequenceHeader h;
  std::memcpy(&h, data, sizeof h);
  if (std::memcmp(h.magic, kSequenceMagic, 8) != 0 ||
      h.version != kSequenceVersion)
    return error(HYB_STATUS_INVALID_FORMAT,
                 "hyb_session_set_sequence_state: not a sequence state of "
                 "this runtime (bad magic or version)");
  if (h.configHash != hashString(m.configHash) || h.count != m.state.size())
    return error(HYB_STATUS_MISMATCH,
                 "hyb_session_set_sequence_state: the state is of another "
                 "model (this module is '", m.modelName, "', config_hash ",
                 m.configHash, ")");
  if (h.position < 0 || h.position > m.maxSeq)
    return error(HYB_STATUS_OUT_OF_RANGE,
                 "hyb_session_set_sequence_state: position ", h.position,
                 " is outside [0, max_seq ", m.maxSeq, "]");
  HYB_RETURN_IF_ERROR(synchronize(session));
  const unsigned char *p =
      static_cast<const unsigned char *>(data) + kSequenceHeaderBytes;
  for (size_t i = 0; i < m.state.size(); ++i) {
    uint64_t n = m.state[i].numBytes;
    HYB_RETURN_IF_ERROR(session->module->backend->writeRange(
        session->state[i], n * uint64_t(sequence), p, n));
    p += n;
  }
  session->positions[size_t(sequence)] = h.position;
  return nullptr;
  HYB_API_END
}

hyb_status_t hyb_session_launch(hyb_session_t *session,
                                const char *entry_point,
                                const hyb_tensor_t *inputs, size_t num_inputs,
                                const hyb_tensor_t *outputs,
                                size_t num_outputs) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_launch"));
  return launchEntry(session, entry_point, inputs, num_inputs, outputs,
                     num_outputs);
  HYB_API_END
}

hyb_status_t hyb_session_synchronize(hyb_session_t *session) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_synchronize"));
  return synchronize(session);
  HYB_API_END
}

hyb_status_t hyb_session_call(hyb_session_t *session, const char *entry_point,
                              const hyb_tensor_t *inputs, size_t num_inputs,
                              const hyb_tensor_t *outputs,
                              size_t num_outputs) {
  HYB_API_BEGIN
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_call"));
  HYB_RETURN_IF_ERROR(launchEntry(session, entry_point, inputs, num_inputs,
                                  outputs, num_outputs));
  return synchronize(session);
  HYB_API_END
}

void hyb_session_set_seed(hyb_session_t *session, uint64_t seed) {
  if (session)
    session->env.seed = seed;
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
