//===- module.h - hyb_module_t ----------------------------------*- C++ -*-===//
#ifndef HYBRIDRT_MODULE_H
#define HYBRIDRT_MODULE_H

#include "runtime/src/backend.h"
#include "runtime/src/manifest.h"
#include "runtime/src/weights.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

/// A loaded artifact. Owns the dlopen handle, the manifest, the backend and
/// the bound weights; sessions borrow all of them.
struct hyb_module_t {
  std::string artifactPath;
  void *handle = nullptr;
  hyb::Manifest manifest;
  std::unique_ptr<hyb::Backend> backend;
  std::vector<hyb::EntryFn> entryFns; // parallel to manifest.entryPoints
  hyb::WeightBinding weights;
  uint64_t weightBytes = 0;   // sum of manifest weight sizes
  uint64_t streamedBytes = 0; // the same without gathered weights
  std::atomic<int64_t> liveSessions{0};

  /// The entry point called |name| and its function, or null.
  const hyb::EntryPointDecl *entryPoint(const std::string &name,
                                        hyb::EntryFn *fn) const;
};

#endif // HYBRIDRT_MODULE_H
