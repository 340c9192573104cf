//===- weights.h - Resolving weight files and binding weights ---*- C++ -*-===//
#ifndef HYBRIDRT_WEIGHTS_H
#define HYBRIDRT_WEIGHTS_H

#include "runtime/src/backend.h"
#include "runtime/src/manifest.h"
#include "runtime/src/safetensors.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hyb {

/// Every tensor reachable from a weights PATH (file, index, or directory).
struct TensorSet {
  std::string description; // what PATH resolved to, for messages
  std::vector<std::shared_ptr<MappedSafetensors>> files;
  std::unordered_map<std::string, const SafetensorsTensor *> byName;
  std::unordered_map<std::string, std::string> fileOf; // name -> file path
};

/// Opens and validates every file behind |path|: a `.safetensors` file, a
/// sharded index (`*.json` with a `weight_map`), or a directory holding
/// `model.safetensors.index.json`, one `*.safetensors.index.json`,
/// `model.safetensors`, or else every `*.safetensors` (names must not repeat).
hyb_status_t openTensorSet(const std::string &path, TensorSet *out);

/// Weights bound to a backend, one buffer per manifest weight.
struct WeightBinding {
  bool bound = false;
  std::vector<DeviceBuffer> buffers;
  std::vector<std::shared_ptr<MappedSafetensors>> files; // keep-alive
  uint64_t zeroCopyBytes = 0, copiedBytes = 0;
};

/// Checks every manifest weight against |path| (presence, exact shape,
/// convertible dtype) before binding any, then binds them all.
hyb_status_t bindWeights(const Manifest &manifest, Backend &backend,
                         const std::string &path, WeightBinding *out);

/// Where |path| is a directory with a config.json, checks that the file's
/// ConfigHash is the manifest's config_hash (HYB_STATUS_MISMATCH naming the
/// directory, both hashes, the model and |artifact| otherwise). A file
/// |path|, or a directory without config.json, passes.
hyb_status_t checkConfigHash(const Manifest &manifest, const std::string &path,
                             const std::string &artifact);

/// Deterministic pseudo-random weights (hyb_module_generate_weights).
hyb_status_t generateWeights(const Manifest &manifest, Backend &backend,
                             uint64_t seed, WeightBinding *out);

void releaseWeights(Backend &backend, WeightBinding &binding);

} // namespace hyb

#endif // HYBRIDRT_WEIGHTS_H
