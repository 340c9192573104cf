/*===- hybrid/runtime.h - libhybridrt C API --------------------------------===*
 *
 * The one public header of the hybridc runtime. It loads an artifact produced
 * by `hybridc` (a shared library exporting a JSON manifest and entry points,
 * see docs/ABI.md), binds weights from safetensors files, and runs sessions:
 * B sequences with explicit state (KV caches, SSM states) that the runtime
 * owns.
 *
 * Conventions
 *   - Every fallible call returns a hyb_status_t: NULL on success, otherwise a
 *     status the caller owns and releases with hyb_status_free(). Its message
 *     names the cause (file, tensor, field, position, ...).
 *   - Out-parameters come last and are named out_*. On failure they are left
 *     untouched, and no state of the object the call was made on has changed
 *     (calls are all-or-nothing unless documented otherwise).
 *   - Ownership: a module outlives every session created from it; a session
 *     borrows its module. Handles are released with the matching *_free().
 *   - Threading: see each handle. In short: a session is used by one thread at
 *     a time; different sessions of one module may run concurrently; module
 *     mutation (bind_weights, free) must not overlap any other call on the
 *     module or its sessions.
 *
 *===----------------------------------------------------------------------===*/
#ifndef HYBRID_RUNTIME_H
#define HYBRID_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "hybrid/abi.h" /* hyb_env_t, HYB_ABI_VERSION */

#if defined(_WIN32)
#define HYB_API __declspec(dllexport)
#else
#define HYB_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* HYB_ABI_VERSION (hybrid/abi.h) is the artifact ABI / manifest version this
 * runtime reads. */
/* The session state file version written by hyb_session_save(). */
#define HYB_SESSION_FILE_VERSION 1

/*===-- Status ------------------------------------------------------------===*/

typedef enum hyb_status_code_t {
  HYB_STATUS_OK = 0,
  HYB_STATUS_INVALID_ARGUMENT = 1, /* bad argument from the caller */
  HYB_STATUS_NOT_FOUND = 2,        /* missing file, symbol, tensor, entry point */
  HYB_STATUS_IO_ERROR = 3,         /* open/read/write/mmap failed */
  HYB_STATUS_INVALID_FORMAT = 4,   /* malformed manifest, safetensors, state file */
  HYB_STATUS_MISMATCH = 5,         /* shape/dtype/hash/batch does not match */
  HYB_STATUS_OUT_OF_RANGE = 6,     /* position past max_seq, token id, index */
  HYB_STATUS_UNIMPLEMENTED = 7,    /* e.g. a backend that was not built */
  HYB_STATUS_FAILED_PRECONDITION = 8, /* e.g. weights not bound yet */
  HYB_STATUS_OUT_OF_MEMORY = 9,
  HYB_STATUS_INTERNAL = 10,
} hyb_status_code_t;

/* NULL means success. Otherwise owned by the caller: release with
 * hyb_status_free(). */
typedef struct hyb_status *hyb_status_t;

/* The code of |status|; HYB_STATUS_OK for NULL. */
HYB_API hyb_status_code_t hyb_status_code(hyb_status_t status);
/* The message of |status| ("OK" for NULL). Valid until hyb_status_free(). */
HYB_API const char *hyb_status_message(hyb_status_t status);
/* Releases |status|; NULL is a no-op. */
HYB_API void hyb_status_free(hyb_status_t status);
/* A static name for |code| ("OUT_OF_RANGE", ...). */
HYB_API const char *hyb_status_code_name(hyb_status_code_t code);

/*===-- Types shared by modules and sessions -------------------------------===*/

/* hyb_dtype_t is defined in hybrid/abi.h: generated code uses it too. */

/* Manifest spelling ("f32", "bf16", ...) and size in bytes of |dtype|. */
HYB_API const char *hyb_dtype_name(hyb_dtype_t dtype);
HYB_API size_t hyb_dtype_size(hyb_dtype_t dtype);

typedef enum hyb_device_t {
  HYB_DEVICE_CPU = 0,
  HYB_DEVICE_CUDA = 1,
  /* hyb_module_options_t.device only: the backend of the artifact's
   * target.kind. */
  HYB_DEVICE_AUTO = -1,
} hyb_device_t;

#define HYB_MAX_RANK 8

/* A weight or state buffer as the manifest lists it. Strings point into the
 * module and live as long as it does. For a state buffer, |shape| is per
 * sequence (the session holds [B] + shape) and |layer| is the manifest's
 * layer; for a weight |layer| is -1. */
typedef struct hyb_tensor_info_t {
  const char *name;
  hyb_dtype_t dtype;
  int32_t rank;
  int64_t shape[HYB_MAX_RANK];
  int64_t layer;
  uint64_t size_bytes; /* product(shape) * dtype size (per sequence for state) */
} hyb_tensor_info_t;

/*===-- Module --------------------------------------------------------------===*/

/* A loaded artifact: the dlopen'ed library, its parsed manifest, and (after
 * hyb_module_bind_weights) the weights, mapped or copied to the device.
 * Owned by the caller; released with hyb_module_free() after every session
 * created from it. Read-only calls (queries, hyb_session_create) may run
 * from several threads at once; bind_weights and free may not overlap
 * any other call on the module or its sessions. */
typedef struct hyb_module_t hyb_module_t;

typedef struct hyb_module_options_t {
  /* The backend that holds weights and state and launches entry points.
   * Must match the manifest's target.kind, or HYB_DEVICE_AUTO: the one it
   * names. Default HYB_DEVICE_CPU. */
  hyb_device_t device;
  /* Threads an entry point may use (OpenMP, if the artifact links it);
   * 0 = leave the artifact's default. */
  int32_t num_threads;
} hyb_module_options_t;

/* Fills |out_options| with the defaults. */
HYB_API void hyb_module_options_init(hyb_module_options_t *out_options);

/* Loads the artifact at |artifact_path| (dlopen), reads and validates its
 * manifest (format, version, every field's type, entry point symbols).
 * |options| may be NULL for the defaults. On success |*out_module| is owned
 * by the caller. */
HYB_API hyb_status_t hyb_module_load_with_options(
    const char *artifact_path, const hyb_module_options_t *options,
    hyb_module_t **out_module);
/* hyb_module_load_with_options() with default options (CPU). */
HYB_API hyb_status_t hyb_module_load(const char *artifact_path,
                                     hyb_module_t **out_module);

/* Binds every weight the manifest lists from |path|: a `.safetensors` file, a
 * sharded `*.safetensors.index.json`, or a directory holding either (index
 * first, then `model.safetensors`, then every `*.safetensors` in it). Names
 * must match and shapes must match exactly; f32/bf16/f16 are converted to the
 * manifest dtype when they differ (a copy); an identical dtype is used
 * zero-copy from the read-only mapping (copied if misaligned). Extra tensors
 * in the files are ignored. On failure the previous binding (if any) is kept.
 * Must not run while a session of this module is running. */
HYB_API hyb_status_t hyb_module_bind_weights(hyb_module_t *module,
                                             const char *path);

/* Flags of hyb_module_bind_weights_with_flags(), or'ed. */
typedef enum hyb_bind_flags_t {
  HYB_BIND_DEFAULT = 0,
  /* Bind a weights directory whose config.json is not the config the
   * artifact was compiled from (see below). Names, shapes and dtypes are
   * still checked. */
  HYB_BIND_IGNORE_CONFIG_HASH = 1u << 0,
} hyb_bind_flags_t;

/* hyb_module_bind_weights() with |flags|. hyb_module_bind_weights(m, p) is
 * hyb_module_bind_weights_with_flags(m, p, HYB_BIND_DEFAULT): where |path| is
 * a directory holding a config.json, its hash (FNV-1a 64 of the bytes, as
 * hybridc computes the manifest's model.config_hash) must equal the
 * manifest's config_hash, else HYB_STATUS_MISMATCH naming both: the
 * checkpoint of another model with the same tensor names and shapes (a
 * llama artifact and a mistral directory: another rope theta) would
 * otherwise bind and give wrong numbers. A path that is a file is not
 * checked. Unknown flag bits are HYB_STATUS_INVALID_ARGUMENT. */
HYB_API hyb_status_t hyb_module_bind_weights_with_flags(hyb_module_t *module,
                                                        const char *path,
                                                        uint32_t flags);
/* Binds deterministic pseudo-random weights generated from |seed| instead of
 * a checkpoint: every weight of the manifest, in its dtype, with scales that
 * keep activations finite (rows ~ U(±sqrt(3/fan_in)), embeddings of std
 * 0.05 (so tied heads do not just echo the input), norm weights near 1,
 * Mamba A in [1, 16], dt in [1e-3, 1e-1]). The same seed gives the same
 * bytes on every machine. For benchmarks and demos: such a model predicts
 * nothing meaningful. */
HYB_API hyb_status_t hyb_module_generate_weights(hyb_module_t *module,
                                                 uint64_t seed);
/* 1 once weights are bound (or the manifest lists none), else 0. */
HYB_API int hyb_module_weights_bound(const hyb_module_t *module);
/* Bytes of weight data that a zero-copy binding maps and a copying binding
 * allocates (the weights tensors of the manifest, in its dtypes). */
HYB_API uint64_t hyb_module_weight_bytes(const hyb_module_t *module);
/* The part of hyb_module_weight_bytes that every decode step reads whole:
 * all weights but those the manifest marks "access": "gather" (an untied
 * embedding table, of which a step reads one row per sequence). What a
 * memory-bandwidth roofline of decode divides by. */
HYB_API uint64_t hyb_module_streamed_weight_bytes(const hyb_module_t *module);

HYB_API int64_t hyb_module_vocab_size(const hyb_module_t *module);
/* An audio model's codec frames per second (manifest model.frame_rate: 86.13
 * for Zonos' DAC), 0 for a text model. */
HYB_API double hyb_module_frame_rate(const hyb_module_t *module);
HYB_API int64_t hyb_module_max_seq(const hyb_module_t *module);
HYB_API const char *hyb_module_model_name(const hyb_module_t *module);
HYB_API const char *hyb_module_config_hash(const hyb_module_t *module);
HYB_API const char *hyb_module_target_kind(const hyb_module_t *module);
/* The manifest text as the artifact returned it; lives as long as |module|. */
HYB_API const char *hyb_module_manifest_json(const hyb_module_t *module);
/* 1 if the manifest has an entry point called |name| ("prefill", "decode",
 * "decode_greedy", ...), else 0. */
HYB_API int hyb_module_has_entry_point(const hyb_module_t *module,
                                       const char *name);

/* Symbolic dims of hyb_io_info_t.shape: the session's batch size and the
 * token count of the call. */
#define HYB_DIM_B (-1)
#define HYB_DIM_T (-2)

/* One named input or output of an entry point, as the manifest lists it
 * (its weights and state are not inputs: the module and session supply
 * them). Strings live as long as the module. */
typedef struct hyb_io_info_t {
  const char *name; /* what hyb_tensor_t.name must say */
  const char *role; /* "tokens", "position", "logits", "next_token" */
  int32_t is_output;
  hyb_dtype_t dtype;
  int32_t rank;
  int64_t shape[HYB_MAX_RANK]; /* sizes, HYB_DIM_B or HYB_DIM_T */
} hyb_io_info_t;

/* The number of named inputs and outputs of entry point |entry_point|, -1
 * if there is no such entry point. */
HYB_API int64_t hyb_module_io_count(const hyb_module_t *module,
                                    const char *entry_point);
/* The |index|-th of them, in manifest order. */
HYB_API hyb_status_t hyb_module_io_info(const hyb_module_t *module,
                                        const char *entry_point, int64_t index,
                                        hyb_io_info_t *out_info);

HYB_API int64_t hyb_module_weight_count(const hyb_module_t *module);
HYB_API hyb_status_t hyb_module_weight_info(const hyb_module_t *module,
                                            int64_t index,
                                            hyb_tensor_info_t *out_info);
HYB_API int64_t hyb_module_state_count(const hyb_module_t *module);
HYB_API hyb_status_t hyb_module_state_info(const hyb_module_t *module,
                                           int64_t index,
                                           hyb_tensor_info_t *out_info);

/* Unloads |module|. Every session of it must have been freed. NULL is a
 * no-op. */
HYB_API void hyb_module_free(hyb_module_t *module);

/*===-- Session -------------------------------------------------------------===*/

/* B sequences, their state buffers ([B] + shape each, on the module's device)
 * and their positions. Owned by the caller, released with hyb_session_free()
 * before its module. Not thread-safe: one thread at a time per session;
 * different sessions may run concurrently. */
typedef struct hyb_session_t hyb_session_t;

typedef struct hyb_session_options_t {
  int64_t batch_size; /* B >= 1; default 1 */
} hyb_session_options_t;

HYB_API void hyb_session_options_init(hyb_session_options_t *out_options);

/* Creates a session of |module| (weights must be bound): allocates every
 * state buffer as [B] + shape, zeroed, positions 0. |options| may be NULL.
 * Fails with HYB_STATUS_OUT_OF_MEMORY, before allocating, when the state
 * exceeds HYBRID_MAX_STATE_BYTES (environment, bytes) or, unset, on the CPU,
 * physical memory. */
HYB_API hyb_status_t hyb_session_create(hyb_module_t *module,
                                        const hyb_session_options_t *options,
                                        hyb_session_t **out_session);

HYB_API int64_t hyb_session_batch_size(const hyb_session_t *session);
/* The position (tokens consumed so far) of sequence |sequence|; -1 if it is
 * out of range. */
HYB_API int64_t hyb_session_position(const hyb_session_t *session,
                                     int64_t sequence);
/* Copies the B positions into |out_positions|. */
HYB_API void hyb_session_positions(const hyb_session_t *session,
                                   int64_t *out_positions);

/* Runs `prefill` on |tokens| ([B, num_tokens], row-major) at each sequence's
 * position, then advances every position by |num_tokens|. |out_logits|
 * ([B, num_tokens, V] f32) may be NULL. Fails before running anything if a
 * position + num_tokens > max_seq or a token id is outside [0, V). */
HYB_API hyb_status_t hyb_session_prefill(hyb_session_t *session,
                                         const int64_t *tokens,
                                         int64_t num_tokens,
                                         float *out_logits);

/* Runs `decode` on one token per sequence (|tokens| is [B]); |out_logits|
 * ([B, V] f32) may be NULL. Advances every position by 1. */
HYB_API hyb_status_t hyb_session_decode(hyb_session_t *session,
                                        const int64_t *tokens,
                                        float *out_logits);

/* One greedy decode step: feeds |tokens| ([B]) and writes the argmax of the
 * next-token logits to |out_next_tokens| ([B]; ties -> lowest id). Uses the
 * `decode_greedy` entry point if the artifact has one, else `decode` plus an
 * argmax on the host. Advances every position by 1. */
HYB_API hyb_status_t hyb_session_decode_greedy(hyb_session_t *session,
                                               const int64_t *tokens,
                                               int64_t *out_next_tokens);

/* Prefill |prompt| ([B, prompt_len]), take the argmax of the last position,
 * then num_tokens - 1 greedy decode steps. Writes |out_tokens| ([B,
 * num_tokens], row-major). Positions advance by prompt_len + num_tokens - 1
 * (the last generated token is not fed). Checked against max_seq up front. */
HYB_API hyb_status_t hyb_session_generate_greedy(hyb_session_t *session,
                                                 const int64_t *prompt,
                                                 int64_t prompt_len,
                                                 int64_t num_tokens,
                                                 int64_t *out_tokens);

/* Zeroes every state buffer and sets every position to 0. */
HYB_API hyb_status_t hyb_session_reset(hyb_session_t *session);

/* Deep copy of |session| (state and positions) into a new session of the
 * same module, owned by the caller. */
HYB_API hyb_status_t hyb_session_fork(const hyb_session_t *session,
                                      hyb_session_t **out_session);

/* Copies state buffer |state_index| ([B] + shape, manifest dtype) to host
 * memory |out_data| of |size_bytes| bytes (must be exactly its size). */
HYB_API hyb_status_t hyb_session_read_state(const hyb_session_t *session,
                                            int64_t state_index,
                                            void *out_data, size_t size_bytes);

/* Writes state buffer |state_index| ([B] + shape, manifest dtype) from host
 * memory |data| of |size_bytes| bytes (exactly its size). Positions do not
 * change: keep them consistent with hyb_session_set_positions(). */
HYB_API hyb_status_t hyb_session_write_state(hyb_session_t *session,
                                             int64_t state_index,
                                             const void *data,
                                             size_t size_bytes);

/* Sets the B positions from |positions| (each in [0, max_seq]); the state
 * is unchanged. */
HYB_API hyb_status_t hyb_session_set_positions(hyb_session_t *session,
                                               const int64_t *positions);

/* Per-sequence state, as llama.h's llama_state_seq_get_size / get_data /
 * set_data: one sequence's position and its slice of every state buffer, in
 * one opaque blob of host memory (format in docs/Runtime.md; it names the
 * model's config hash, so a blob of another model is refused).
 *
 * The size in bytes of one sequence's blob (the same for every sequence of
 * every session of the module). */
HYB_API size_t hyb_session_sequence_state_size(const hyb_session_t *session);
/* Copies sequence |sequence|'s state and position into |out_data| of
 * |size_bytes| bytes (exactly hyb_session_sequence_state_size()). */
HYB_API hyb_status_t hyb_session_get_sequence_state(
    const hyb_session_t *session, int64_t sequence, void *out_data,
    size_t size_bytes);
/* Replaces sequence |sequence|'s state and position with a blob that
 * hyb_session_get_sequence_state() wrote, from this session or another of a
 * module of the same model (another sequence, another batch size). Checked
 * whole before anything changes. */
HYB_API hyb_status_t hyb_session_set_sequence_state(hyb_session_t *session,
                                                    int64_t sequence,
                                                    const void *data,
                                                    size_t size_bytes);

/* Writes the session (positions and every state buffer) to |path|; see
 * docs/Runtime.md for the format. Written to a temporary file renamed over
 * |path|: a failed save leaves the old file. A symbolic link at |path| is
 * kept (its target is replaced); a FIFO, device or directory is refused. */
HYB_API hyb_status_t hyb_session_save(const hyb_session_t *session,
                                      const char *path);
/* Replaces the session's state and positions with those saved in |path|.
 * Checks magic, version, config hash, batch size, positions, and every state
 * buffer's name, dtype and shape; on any mismatch nothing changes. */
HYB_API hyb_status_t hyb_session_load(hyb_session_t *session,
                                      const char *path);

/*===-- Generic calls ----------------------------------------------------===*/

/* A tensor in host memory, given to or filled by an entry point: |rank|
 * dims of |shape|, row-major and contiguous, in |dtype|. */
typedef struct hyb_tensor_t {
  const char *name; /* the manifest argument's "name" (hyb_io_info_t.name) */
  hyb_dtype_t dtype;
  int32_t rank;
  int64_t shape[HYB_MAX_RANK];
  void *data; /* read for an input, written for an output */
} hyb_tensor_t;

/* Launches entry point |entry_point| ("prefill", "decode", "frame", ...) on
 * named |inputs| and |outputs|, matched to the manifest's arguments by name
 * (any order); weights and state come from the module and the session.
 *
 * Before anything runs it resolves "T" from the inputs' shapes ("B" is the
 * session's batch size) and checks every tensor: a known name, not given
 * twice, the manifest's dtype and shape (messages name the tensor and the
 * shape expected), every input present, token ids in [0, vocab_size) and
 * position + advance <= max_seq. The input "position" ([B] i64) may be
 * left out: the session supplies its positions; if given it must equal
 * them. An output left out goes to session scratch (discarded). On success
 * every position advances by the entry point's "advance" (T for prefill, 1
 * for decode).
 *
 * The launch may be asynchronous: until hyb_session_synchronize() returns,
 * inputs must stay valid and unchanged, and outputs are not yet written.
 * (The CPU backend runs the call before returning.) A launch or any other
 * session call that touches state first completes what is in flight. */
HYB_API hyb_status_t hyb_session_launch(hyb_session_t *session,
                                        const char *entry_point,
                                        const hyb_tensor_t *inputs,
                                        size_t num_inputs,
                                        const hyb_tensor_t *outputs,
                                        size_t num_outputs);
/* Waits until every launch of |session| has completed and its outputs are
 * written; reports an error that happened while it ran. */
HYB_API hyb_status_t hyb_session_synchronize(hyb_session_t *session);
/* hyb_session_launch() then hyb_session_synchronize(): outputs are written
 * when it returns. */
HYB_API hyb_status_t hyb_session_call(hyb_session_t *session,
                                      const char *entry_point,
                                      const hyb_tensor_t *inputs,
                                      size_t num_inputs,
                                      const hyb_tensor_t *outputs,
                                      size_t num_outputs);
/* The seed that sampling entry points receive (hyb_env_t.seed) from the
 * next call on; 0 at creation. */
HYB_API void hyb_session_set_seed(hyb_session_t *session, uint64_t seed);

/* Releases |session| and its state. NULL is a no-op. */
HYB_API void hyb_session_free(hyb_session_t *session);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HYBRID_RUNTIME_H */
