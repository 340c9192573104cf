//===- TargetBackend.cpp - the table of target backends -------------------===//

#include "targets/TargetBackend.h"

#include "targets/CPU/CPUTarget.h"
#include "targets/CUDA/CUDATarget.h"

#include "llvm/ADT/STLExtras.h"

namespace hybrid::target {

TargetBackend::~TargetBackend() = default;

namespace {
struct Entry {
  const char *name;
  std::unique_ptr<TargetBackend> (*create)(const TargetOptions &);
};
/// Every backend this build has.
constexpr Entry kBackends[] = {
    {"cpu", createCPUTargetBackend},
    {"cuda", createCUDATargetBackend},
};

struct EmitName {
  EmitKind kind;
  const char *name;
};
constexpr EmitName kEmitNames[] = {
    {EmitKind::LLVM, "llvm"},
    {EmitKind::Assembly, "ptx"},
    {EmitKind::Object, "obj"},
    {EmitKind::Artifact, "so"},
};
} // namespace

llvm::StringRef emitKindName(EmitKind kind) {
  for (const EmitName &e : kEmitNames)
    if (e.kind == kind)
      return e.name;
  return "";
}

std::optional<EmitKind> parseEmitKind(llvm::StringRef name) {
  for (const EmitName &e : kEmitNames)
    if (name == e.name)
      return e.kind;
  return std::nullopt;
}

std::unique_ptr<TargetBackend>
createTargetBackend(llvm::StringRef name, const TargetOptions &options,
                    std::string &error) {
  for (const Entry &entry : kBackends)
    if (name == entry.name) {
      // Before anything is built: LLVM only warns about an unknown CPU, then
      // dies making code for a generic one without 64-bit support.
      if (!options.cpu.empty()) {
        error = checkHostCPU(options.cpu);
        if (!error.empty())
          return nullptr;
      }
      return entry.create(options);
    }
  std::string known;
  for (const auto &[i, entry] : llvm::enumerate(kBackends))
    known += std::string(i ? ", " : "") + "'" + entry.name + "'";
  error = "--target=" + name.str() + ": this build supports " + known;
  return nullptr;
}

} // namespace hybrid::target
