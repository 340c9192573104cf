//===- HostCodegen.cpp - LLVM dialect to a host shared library -----------===//

#include "targets/HostCodegen.h"
#include "targets/OutputFile.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace llvm;

namespace hybrid::target {
namespace {

/// ld.lld from the LLVM 22 install or PATH.
std::optional<std::string> findLinker() {
  for (const char *name : {"ld.lld-22", "ld.lld"}) {
    if (auto p = sys::findProgramByName(name, {"/usr/lib/llvm-22/bin"}))
      return *p;
    if (auto p = sys::findProgramByName(name))
      return *p;
  }
  return std::nullopt;
}

/// This host's LLVM target, initialized, or null with |error| set.
const Target *hostTarget(const Triple &triple, std::string &error) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  std::string why;
  const Target *t = TargetRegistry::lookupTarget(triple, why);
  if (!t)
    error = "no LLVM target for " + triple.str() + ": " + why;
  return t;
}

/// The subtarget table of this host's target (its CPU and feature names).
std::unique_ptr<MCSubtargetInfo> hostSubtargetInfo(std::string &error) {
  Triple triple(sys::getDefaultTargetTriple());
  const Target *t = hostTarget(triple, error);
  if (!t)
    return nullptr;
  return std::unique_ptr<MCSubtargetInfo>(
      t->createMCSubtargetInfo(triple, "", ""));
}

} // namespace

std::string checkHostCPU(StringRef cpu) {
  std::string error;
  std::unique_ptr<MCSubtargetInfo> info = hostSubtargetInfo(error);
  if (!info)
    return error;
  if (info->isCPUStringValid(cpu))
    return "";
  return ("--cpu=" + cpu + ": not a CPU LLVM knows for " +
          sys::getDefaultTargetTriple() + " (--cpu=help lists them)")
      .str();
}

void printHostCPUs(raw_ostream &os) {
  std::string error;
  std::unique_ptr<MCSubtargetInfo> info = hostSubtargetInfo(error);
  if (!info) {
    errs() << "hybridc: " << error << "\n";
    return;
  }
  for (const SubtargetSubTypeKV &cpu : info->getAllProcessorDescriptions())
    os << cpu.Key << "\n";
}

mlir::LogicalResult HostCodegen::emit(mlir::ModuleOp module, StringRef moduleName,
                                    EmitKind kind, StringRef outputPath) {
  auto fail = [&](const Twine &message) {
    module.emitError(message);
    return mlir::failure();
  };
  TargetMachine *tm = targetMachine();
  if (!tm)
    return fail(targetError);
  LLVMContext llvmContext;
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, llvmContext, moduleName);
  if (!llvmModule)
    return fail("translation to LLVM IR failed");
  llvmModule->setDataLayout(tm->createDataLayout());
  llvmModule->setTargetTriple(tm->getTargetTriple());
  progress("optimizing LLVM IR (O3, cpu " + tm->getTargetCPU() + ")");
  if (auto err = mlir::makeOptimizingTransformer(3, 0, tm)(llvmModule.get()))
    return fail("LLVM optimization failed: " + toString(std::move(err)));

  if (kind == EmitKind::LLVM) {
    std::string error =
        writeOutputFile(outputPath, sys::fs::OF_None, [&](raw_ostream &os) {
          llvmModule->print(os, nullptr);
          return std::string();
        });
    return error.empty() ? mlir::success() : fail(error);
  }

  SmallString<256> objectPath;
  if (kind == EmitKind::Object) {
    objectPath = outputPath;
  } else if (auto ec = sys::fs::createTemporaryFile("hybridc", "o",
                                                    objectPath)) {
    return fail("cannot create a temporary object file: " + ec.message());
  }
  std::string error = writeOutputFile(
      objectPath, sys::fs::OF_None, [&](raw_pwrite_stream &os) {
        legacy::PassManager codegen;
        if (tm->addPassesToEmitFile(codegen, os, nullptr,
                                    CodeGenFileType::ObjectFile))
          return std::string("the target cannot emit object files");
        progress("generating code");
        codegen.run(*llvmModule);
        return std::string();
      });
  // A failed write removed the (temporary or requested) object already.
  if (!error.empty())
    return fail(error);
  if (kind == EmitKind::Object)
    return mlir::success();
  progress("linking " + outputPath);
  // Linked to a temporary, then copied through writeOutputFile: the write
  // to |outputPath| is checked like every other (ld.lld aborts with "IO
  // failure on output stream" on a full disk), and a failed one leaves no
  // partial artifact that dlopen would crash on.
  SmallString<256> linkedPath;
  if (auto ec = sys::fs::createTemporaryFile("hybridc", "so", linkedPath)) {
    sys::fs::remove(objectPath);
    return fail("cannot create a temporary library: " + ec.message());
  }
  bool linked = link(objectPath, linkedPath, tm->getTargetTriple(), error);
  sys::fs::remove(objectPath);
  ErrorOr<std::unique_ptr<MemoryBuffer>> library = std::error_code();
  if (linked)
    library = MemoryBuffer::getFile(linkedPath);
  sys::fs::remove(linkedPath);
  if (!linked)
    return fail(error);
  if (!library)
    return fail("cannot read the linked library " + linkedPath + ": " +
                library.getError().message());
  error = writeOutputFile(outputPath, sys::fs::OF_None, [&](raw_ostream &os) {
    os << (*library)->getBuffer();
    return std::string();
  });
  if (!error.empty())
    return fail(error);
  // As the linker would have made it: rwxr-xr-x.
  if (sys::fs::is_regular_file(outputPath))
    sys::fs::setPermissions(outputPath, sys::fs::all_read | sys::fs::all_exe |
                                            sys::fs::owner_write);
  return mlir::success();
}


void HostCodegen::progress(const Twine &message) {
  if (options.progress)
    options.progress(message);
}

/// The target machine of --cpu (or this host), made once; null with
/// targetError set when LLVM has no such target.
TargetMachine *HostCodegen::targetMachine() {
  if (tm || !targetError.empty())
    return tm.get();
  Triple triple(sys::getDefaultTargetTriple());
  const Target *t = hostTarget(triple, targetError);
  if (!t)
    return nullptr;
  if (!options.cpu.empty()) {
    targetError = checkHostCPU(options.cpu);
    if (!targetError.empty())
      return nullptr;
  }
  std::string cpuName =
      options.cpu.empty() ? sys::getHostCPUName().str() : options.cpu;
  SubtargetFeatures features;
  if (options.cpu.empty())
    for (auto &f : sys::getHostCPUFeatures())
      features.AddFeature(f.first(), f.second);
  llvm::TargetOptions targetOptions;
  tm.reset(t->createTargetMachine(triple, cpuName, features.getString(),
                                  targetOptions, Reloc::PIC_, std::nullopt,
                                  CodeGenOptLevel::Aggressive));
  if (!tm)
    targetError = "could not create a target machine for " + cpuName;
  return tm.get();
}

/// Links |object| into the shared library |output|. OpenMP loops call
/// libomp; nothing else beyond libc and libm (strided copies are loops,
/// hybrid-cpu-expand-strided-copies), so an artifact runs where LLVM and
/// MLIR are not installed.
bool HostCodegen::link(StringRef object, StringRef output, const Triple &triple,
                     std::string &error) {
  std::optional<std::string> linker = findLinker();
  if (!linker) {
    error = "ld.lld not found (install lld-22)";
    return false;
  }
  // Debian's multiarch library folders: x86_64-linux-gnu, aarch64-linux-gnu.
  std::string multiarch = (triple.getArchName() + "-linux-gnu").str();
  SmallVector<std::string> args = {*linker,
                                   "-shared",
                                   "--no-undefined",
                                   "-o",
                                   output.str(),
                                   object.str(),
                                   "-L/usr/lib/" + multiarch,
                                   "-L/lib/" + multiarch};
  if (openmp)
    args.append({"-L/usr/lib/llvm-22/lib", "-lomp"});
  args.append({"-lm", "-lc"});
  SmallVector<StringRef> refs(args.begin(), args.end());
  // ld.lld's diagnostics go to a file and into |error|: one line, not the
  // linker's own lines on hybridc's stderr.
  SmallString<256> diagnosticsPath;
  if (auto ec = sys::fs::createTemporaryFile("hybridc-ld", "txt",
                                             diagnosticsPath)) {
    error = "cannot create a temporary file for the linker: " + ec.message();
    return false;
  }
  std::optional<StringRef> redirects[] = {std::nullopt, std::nullopt,
                                          StringRef(diagnosticsPath)};
  std::string message;
  int rc = sys::ExecuteAndWait(*linker, refs, std::nullopt, redirects, 0, 0,
                               &message);
  ErrorOr<std::unique_ptr<MemoryBuffer>> diagnostics =
      MemoryBuffer::getFile(diagnosticsPath);
  sys::fs::remove(diagnosticsPath);
  if (rc == 0)
    return true;
  if (diagnostics)
    for (StringRef line : split((*diagnostics)->getBuffer().trim(), '\n'))
      message += (message.empty() ? "" : "; ") + line.trim().str();
  error = ("linking " + output + " failed" +
           (message.empty() ? "" : ": " + message))
              .str();
  return false;
}


} // namespace hybrid::target
