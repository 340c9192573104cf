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
constexpr int64_t kManifestVersion = 1;

/// A weight or a state buffer. For state, |shape| is per sequence.
struct TensorDecl {
  std::string name;
  hyb_dtype_t dtype = HYB_DTYPE_F32;
  std::vector<int64_t> shape;
  int64_t layer = -1; // state only
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

enum class ArgRole { Weight, State, Tokens, Position, Logits, NextToken };
const char *argRoleName(ArgRole role);

/// One dimension of an argument's shape: "B", "T", or a number.
struct Dim {
  enum Kind { Batch, Tokens, Fixed } kind;
  int64_t value = 0; // Fixed only
};

struct ArgDecl {
  ArgRole role;
  size_t tensorIndex = 0; // into weights (Weight) or state (State)
};

struct EntryPointDecl {
  std::string name;
  std::string symbol;
  std::vector<ArgDecl> args;
  /// The token count this entry point accepts: 0 = any (prefill), else 1.
  int64_t fixedTokens = 0;
  bool hasLogits = false, hasNextToken = false;
};

struct Manifest {
  std::string text; // as the artifact returned it
  int64_t version = 0;
  std::string modelName, configHash;
  int64_t vocabSize = 0, hiddenSize = -1, numLayers = -1;
  std::string targetKind, targetTriple, targetCpu;
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
