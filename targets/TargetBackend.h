//===- TargetBackend.h - what hybridc asks of a target ----------*- C++ -*-===//
//
// A target backend owns everything between the fused hybrid IR and the
// artifact on disk for one kind of device: its pass pipeline (lowering, then
// translation to what it serializes) and its serialization (for the CPU:
// LLVM IR, an object, a linked shared library; for CUDA: PTX, a cubin
// embedded in the host library). hybridc is the command line plus a dispatch
// on --target: it builds the IR, runs the backend's two pipelines (printing
// the lowered form for --emit=lowered) and asks the backend to serialize.
//
// The shape follows IREE's target backends: the backend, not the driver,
// knows its devices, its codegen and its file formats, so adding a target is
// a folder under targets/ and one line in the table of TargetBackend.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_TARGETS_TARGETBACKEND_H
#define HYBRIDC_TARGETS_TARGETBACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mlir::hybrid {
struct FusionOptions;
} // namespace mlir::hybrid

namespace hybrid::target {

/// The forms past the lowered IR that --emit can ask a backend for.
enum class EmitKind {
  LLVM,     // the optimized LLVM IR of the host code (text)
  Assembly, // device assembly (PTX), for targets that have one
  Object,   // one relocatable object
  Artifact, // the artifact hybrid-run and libhybridrt load (docs/ABI.md)
};

/// --emit's spelling of |kind| ("llvm", "ptx", "obj", "so").
llvm::StringRef emitKindName(EmitKind kind);
/// The kind --emit=|name| asks for, if it names one.
std::optional<EmitKind> parseEmitKind(llvm::StringRef name);

/// The command line's choices that backends read.
struct TargetOptions {
  /// --cpu: the host code's CPU; empty for the machine hybridc runs on.
  std::string cpu;
  /// --openmp: parallel loops on OpenMP threads.
  bool openmp = true;
  /// --gpu-arch: the GPU of the cubin (sm_90a); empty for the default.
  std::string gpuArch;
  /// The CUDA toolkit whose ptxas compiles kernels; empty for the default
  /// (/usr/local/cuda).
  std::string cudaToolkit;
  /// --cuda-pipeline-options: options of hybrid-cuda-pipeline (its tuning:
  /// "attention-kv-chunks=128 argmax-block-rows=256"), parsed already.
  std::string cudaPipelineOptions;
  /// Progress lines ("hybridc: ..."), or nothing under --quiet.
  std::function<void(const llvm::Twine &)> progress;
};

class TargetBackend {
public:
  virtual ~TargetBackend();

  /// --target's name and the manifest's target.kind: "cpu", "cuda".
  virtual llvm::StringRef name() const = 0;
  /// Whether serialize() can produce |kind|.
  virtual bool supports(EmitKind kind) const = 0;

  /// Passes from hybrid IR to the lowered form that --emit=lowered prints:
  /// the shared fusion and ABI stages with |fusion|, then the target's own.
  /// |name| is the stage's name in progress lines.
  virtual void buildLoweringPipeline(mlir::OpPassManager &pm,
                                     const mlir::hybrid::FusionOptions &fusion,
                                     std::string &name) = 0;
  /// Passes from the lowered form to what serialize() takes.
  virtual void buildTranslationPipeline(mlir::OpPassManager &pm,
                                        std::string &name) = 0;
  /// Writes |kind| of |module| (both pipelines applied) to |outputPath|
  /// ("-" for stdout, text kinds only). |moduleName| names the LLVM module.
  /// Emits an error on |module| and fails on anything that goes wrong.
  virtual mlir::LogicalResult serialize(mlir::ModuleOp module,
                                        llvm::StringRef moduleName,
                                        EmitKind kind,
                                        llvm::StringRef outputPath) = 0;
};

/// "" if LLVM knows |cpu| (--cpu) for this host's triple, else one line
/// saying that it does not and how to list the names it knows. Every
/// backend's host code is built for this CPU.
std::string checkHostCPU(llvm::StringRef cpu);
/// The names --cpu accepts, one a line (--cpu=help).
void printHostCPUs(llvm::raw_ostream &os);

/// The backend --target=|name| names, or null with |error| saying which
/// names this build knows or what is wrong with |options|.
std::unique_ptr<TargetBackend>
createTargetBackend(llvm::StringRef name, const TargetOptions &options,
                    std::string &error);

} // namespace hybrid::target

#endif // HYBRIDC_TARGETS_TARGETBACKEND_H
