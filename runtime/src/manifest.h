//===- manifest.h - The artifact manifest (docs/ABI.md) ---------*- C++ -*-===//
#ifndef HYBRIDRT_MANIFEST_H
#define HYBRIDRT_MANIFEST_H

#include "runtime/src/dtype.h"
#include "runtime/src/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hyb {

constexpr const char *kManifestFormat = "hybridc-artifact";
constexpr int64_t kManifestVersion = HYB_ABI_VERSION;

/// A weight or a state buffer. For state, |shape| is per sequence.
struct TensorDecl {
  std::string name;
  hyb_dtype_t dtype = HYB_DTYPE_F32;
  std::vector<int64_t> shape;
  int64_t layer = -1; // state only
  /// State only: what the buffer holds ("k_cache", "v_cache", "conv_state",
  /// "ssm_state", ...) and how long it lives: "sequence" (carried from call
  /// to call) or "frame" (a per-frame cache of an audio model).
  std::string kind, scope;
  /// Weights only: the checkpoint tensors whose rows, concatenated in this
  /// order, make this weight (a packed projection); empty for a plain one.
  std::vector<std::string> parts;
  /// Rows of each part ("part_rows"), summing to shape[0].
  std::vector<int64_t> partRows;
  /// Weights only ("access": "gather"): read only at the rows the token ids
  /// select (an untied embedding table), so a decode step does not stream it.
  bool gathered = false;
  uint64_t numElements = 0;
  uint64_t numBytes = 0;
};

enum class ArgRole {
  Weight, State, Tokens, Position, Logits, NextToken, Embeds,
  DepthTokens, // Moshi's teacher-forced depth inputs, i64 [B, advance, dep_q]
  AudioLogits  // and the depth steps' logits, f32 [B, advance, dep_q, card]
};
constexpr int kNumArgRoles = 9;
const char *argRoleName(ArgRole role);

/// One dimension of an argument's shape: "B", "T", or a number.
struct Dim {
  enum Kind { Batch, Tokens, Fixed } kind;
  int64_t value = 0; // Fixed only
};

std::string formatDims(const std::vector<Dim> &dims);

struct ArgDecl {
  ArgRole role;
  size_t tensorIndex = 0; // into weights (Weight) or state (State)
  /// Inputs and outputs (every role but weight and state): the name a
  /// caller binds it by, its direction, dtype and symbolic shape.
  std::string name;
  bool isOutput = false;
  hyb_dtype_t dtype = HYB_DTYPE_F32;
  std::vector<Dim> shape;
};

struct EntryPointDecl {
  std::string name;
  std::string symbol;
  std::vector<ArgDecl> args;
  /// Indices into |args| of the inputs and outputs, in manifest order.
  std::vector<size_t> io;
  /// How far a call moves every position ("advance"): T, or a number.
  Dim advance{Dim::Tokens, 0};
  /// The token count this entry point accepts: 0 = any (advance "T"), else
  /// the fixed advance.
  int64_t fixedTokens = 0;
  bool hasLogits = false, hasNextToken = false;

  /// The input or output called |name|, or null.
  const ArgDecl *findIO(const std::string &name) const;
};

struct Manifest {
  std::string text; // as the artifact returned it
  int64_t version = 0;
  std::string modelName, configHash;
  int64_t vocabSize = 0, hiddenSize = -1, numLayers = -1;
  /// Audio models: codec frames per second ("frame_rate"); 0 if absent.
  double frameRate = 0;
  std::string targetKind, targetTriple, targetCpu;
  /// CUDA artifacts: the cubin's architecture ("sm_90a"), the PTX ISA
  /// version of the PTX (80 = 8.0) and the kernels, by the index that
  /// hyb_device_ops_t.launch passes.
  std::string targetArch;
  int64_t targetPtxVersion = 0;
  std::vector<std::string> targetKernels;
  /// Every kernel waits for the grid launched before it at its entry
  /// (griddepcontrol.wait), so it may be launched while that one finishes.
  bool targetKernelsWaitForPriorGrid = false;
  int64_t maxSeq = 0;
  std::vector<TensorDecl> weights;
  std::vector<TensorDecl> state;
  std::vector<EntryPointDecl> entryPoints;

  const EntryPointDecl *findEntryPoint(const std::string &name) const;
};

/// Parses and validates |text|: format, version, every field's type and
/// value, cross references (args name existing weights/state), and the
/// required entry points (prefill, decode). Messages start with "manifest".
hyb_status_t parseManifest(const std::string &text, Manifest *out);

} // namespace hyb

#endif // HYBRIDRT_MANIFEST_H
