//===- HostCodegen.h - LLVM dialect to a host shared library ----*- C++ -*-===//
//
// What every target backend does with its host code: translate the LLVM
// dialect to LLVM IR, optimize it for the host CPU (--cpu or this machine),
// emit an object and link the artifact. The CPU target's whole program is
// host code; the CUDA target's host code launches the kernels it embeds.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_TARGETS_HOSTCODEGEN_H
#define HYBRIDC_TARGETS_HOSTCODEGEN_H

#include "targets/TargetBackend.h"

#include "llvm/Target/TargetMachine.h"

namespace hybrid::target {

class HostCodegen {
public:
  /// |openmp|: the code calls libomp, which the artifact then links.
  HostCodegen(const TargetOptions &options, bool openmp)
      : options(options), openmp(openmp) {}

  /// The target machine of --cpu (or this host), made once; null with
  /// error() set when LLVM has no such target.
  llvm::TargetMachine *targetMachine();
  const std::string &error() const { return targetError; }

  /// Writes |kind| (LLVM, Object or Artifact) of |module|, in the LLVM
  /// dialect, to |outputPath|.
  mlir::LogicalResult emit(mlir::ModuleOp module, llvm::StringRef moduleName,
                           EmitKind kind, llvm::StringRef outputPath);

private:
  void progress(const llvm::Twine &message);
  bool link(llvm::StringRef object, llvm::StringRef output,
            const llvm::Triple &triple, std::string &error);

  TargetOptions options;
  bool openmp;
  std::unique_ptr<llvm::TargetMachine> tm;
  std::string targetError;
};

} // namespace hybrid::target

#endif // HYBRIDC_TARGETS_HOSTCODEGEN_H
