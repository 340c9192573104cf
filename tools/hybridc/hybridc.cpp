//===- hybridc.cpp - model config to artifact -----------------------------===//
//
//   hybridc MODEL [-o OUT] [--target=cpu] [--emit=hybrid|lowered|llvm|obj|so]
//           [--max-seq=N] [--dtype=f32|bf16|f16] [--report[=text|json]]
//           [--seq-len=N] [--cpu=NAME] [--openmp] [--pass-pipeline=...]
//
// MODEL is a JSON config (native, HuggingFace or Zonos) or a directory holding
// config.json. The default output is the artifact `.so` (docs/ABI.md). The
// standard MLIR flags (--mlir-print-ir-after-all, --mlir-timing, ...) apply
// to the pass pipelines.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridDialect.h"
#include "frontend/Config.h"
#include "frontend/Report.h"
#include "frontend/builder/ModelBuilder.h"
#include "dialect/IR/HybridOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Support/Format.h"

#include <chrono>
#include <functional>

using namespace llvm;
namespace fe = hybrid::frontend;

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model>"),
                                      cl::Required);
static cl::opt<std::string> outputPath("o", cl::desc("Output file"),
                                       cl::value_desc("path"), cl::init(""));
static cl::opt<std::string> target("target", cl::desc("cpu (cuda: not yet)"),
                                   cl::init("cpu"));
static cl::opt<std::string>
    emit("emit", cl::desc("hybrid | lowered | llvm | obj | so (default so)"),
         cl::init("so"));
static cl::opt<int64_t> maxSeq("max-seq",
                               cl::desc("Longest sequence a session holds"),
                               cl::init(2048));
static cl::opt<std::string> dtype("dtype",
                                  cl::desc("Weight storage type: f32|bf16|f16 "
                                           "(default: the checkpoint's)"),
                                  cl::init(""));
static cl::opt<std::string>
    report("report", cl::desc("Print parameters, FLOPs/token and state bytes "
                              "per layer (text or json), or what the fusion "
                              "passes formed where (fusion), and exit"),
           cl::ValueOptional, cl::init(""));
static cl::opt<int64_t> seqLen("seq-len",
                               cl::desc("Sequence length for --report"),
                               cl::init(2048));
static cl::opt<std::string> cpu("cpu",
                                cl::desc("Target CPU (default: this host's)"),
                                cl::init(""));
static cl::opt<bool> threads("openmp",
                             cl::desc("Parallel loops on OpenMP threads"),
                             cl::init(true));
static cl::opt<std::string>
    passPipeline("pass-pipeline",
                 cl::desc("Run this pipeline on the hybrid IR and print it"),
                 cl::init(""));
static cl::opt<bool> quiet("quiet", cl::desc("No progress on stderr"),
                           cl::init(false));
static cl::list<std::string> disableFusion(
    "disable-fusion", cl::CommaSeparated,
    cl::desc("Fusions to turn off: activations, norms, gated-mlp, "
             "add-rms-norm, add-layer-norm, conv-activation, scan-dt, rope, "
             "projections, scales, linear-argmax, or all"));

namespace {

[[noreturn]] void die(const Twine &message) {
  errs() << "hybridc: " << message << "\n";
  exit(1);
}

void progress(const Twine &message) {
  if (!quiet)
    errs() << "hybridc: " << message << "\n";
}

/// FNV-1a 64 of the config file, so an artifact names the config it was
/// compiled from.
std::string configHash(StringRef path) {
  SmallString<256> file(path);
  if (sys::fs::is_directory(file))
    sys::path::append(file, "config.json");
  auto buffer = MemoryBuffer::getFile(file);
  uint64_t h = 1469598103934665603ull;
  if (buffer)
    for (unsigned char c : (*buffer)->getBuffer()) {
      h ^= c;
      h *= 1099511628211ull;
    }
  std::string text;
  raw_string_ostream os(text);
  os << "fnv1a64:" << format_hex_no_prefix(h, 16);
  return text;
}

std::unique_ptr<TargetMachine> createTargetMachine(std::string &tripleOut) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  Triple triple(sys::getDefaultTargetTriple());
  std::string error;
  const Target *t = TargetRegistry::lookupTarget(triple, error);
  if (!t)
    die("no LLVM target for " + triple.str() + ": " + error);
  std::string cpuName = cpu.empty() ? sys::getHostCPUName().str() : cpu;
  SubtargetFeatures features;
  if (cpu.empty())
    for (auto &f : sys::getHostCPUFeatures())
      features.AddFeature(f.first(), f.second);
  TargetOptions options;
  auto tm = std::unique_ptr<TargetMachine>(t->createTargetMachine(
      triple, cpuName, features.getString(), options, Reloc::PIC_,
      std::nullopt, CodeGenOptLevel::Aggressive));
  if (!tm)
    die("could not create a target machine for " + cpuName);
  tripleOut = triple.str();
  return tm;
}

/// ld.lld from the LLVM 22 install or PATH.
std::string findLinker() {
  for (const char *name : {"ld.lld-22", "ld.lld"}) {
    if (auto p = sys::findProgramByName(name, {"/usr/lib/llvm-22/bin"}))
      return *p;
    if (auto p = sys::findProgramByName(name))
      return *p;
  }
  die("ld.lld not found (install lld-22)");
}

void linkSharedObject(StringRef object, StringRef output, bool openmp) {
  std::string linker = findLinker();
  SmallVector<std::string> args = {linker, "-shared", "--no-undefined",
                                   "-o", output.str(), object.str(),
                                   "-L/usr/lib/x86_64-linux-gnu",
                                   "-L/lib/x86_64-linux-gnu"};
  // OpenMP loops call libomp; nothing else beyond libc and libm (strided
  // copies are loops, hybrid-cpu-expand-strided-copies), so an artifact
  // runs where LLVM/MLIR are not installed.
  if (openmp)
    args.append({"-L/usr/lib/llvm-22/lib", "-lomp"});
  args.append({"-lm", "-lc"});
  SmallVector<StringRef> refs(args.begin(), args.end());
  std::string error;
  int rc = sys::ExecuteAndWait(linker, refs, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    die("linking " + output + " failed" + (error.empty() ? "" : ": " + error));
}

/// The layer an op was built for (its location's #hybrid.site), or "-".
std::string layerOf(mlir::Operation *op) {
  std::optional<mlir::hybrid::SiteAttr> site =
      mlir::hybrid::getSite(op->getLoc());
  if (!site || site->getLayer() < 0)
    return "-";
  return std::to_string(site->getLayer());
}

/// What the fusion pipeline formed, per op kind and entry point: the layers
/// where each fused op now stands.
void printFusionReport(mlir::ModuleOp module, raw_ostream &os) {
  namespace hy = mlir::hybrid;
  // One row per fused form: its label, the pass that forms it, and how to
  // recognize it in the IR.
  struct Row {
    const char *label, *pass;
    std::function<bool(mlir::Operation *)> formed;
  };
  const Row rows[] = {
      {"relu2", "hybrid-raise-activations",
       [](mlir::Operation *op) {
         // The frontend writes relu² as relu(x) * relu(x), so every relu2
         // op was formed by the raising. Not silu: the frontend emits most
         // SiLUs as one op already, and counting them would hide what the
         // pass did.
         auto act = mlir::dyn_cast<hy::ActivationOp>(op);
         return act && act.getKind() == hy::ActivationKind::relu2;
       }},
      {"gated_rms_norm", "hybrid-raise-norms",
       [](mlir::Operation *op) { return mlir::isa<hy::GatedRMSNormOp>(op); }},
      {"gated_mlp", "hybrid-raise-gated-mlp",
       [](mlir::Operation *op) { return mlir::isa<hy::GatedMLPOp>(op); }},
      {"add_rms_norm", "hybrid-fuse-add-rms-norm",
       [](mlir::Operation *op) { return mlir::isa<hy::AddRMSNormOp>(op); }},
      {"add_layer_norm", "hybrid-fuse-add-layer-norm",
       [](mlir::Operation *op) { return mlir::isa<hy::AddLayerNormOp>(op); }},
      {"causal_conv1d", "hybrid-fuse-conv-activation",
       [](mlir::Operation *op) {
         auto conv = mlir::dyn_cast<hy::CausalConv1dOp>(op);
         return conv && conv.getActivation() == hy::ActivationKind::silu;
       }},
      {"scan", "hybrid-fold-dt-into-scan",
       [](mlir::Operation *op) {
         if (auto ssd = mlir::dyn_cast<hy::SSDScanOp>(op))
           return static_cast<bool>(ssd.getDtSoftplus());
         if (auto scan = mlir::dyn_cast<hy::SelectiveScanOp>(op))
           return static_cast<bool>(scan.getDeltaSoftplus());
         return false;
       }},
      {"attention", "hybrid-fold-rope-into-attention",
       [](mlir::Operation *op) {
         auto attn = mlir::dyn_cast<hy::AttentionOp>(op);
         return attn && attn.getRotaryDim() > 0;
       }},
      {"linear", "hybrid-merge-projections",
       [](mlir::Operation *op) {
         auto linear = mlir::dyn_cast<hy::LinearOp>(op);
         return linear &&
                linear.getWeight().getDefiningOp<hy::PackedWeightOp>();
       }},
      {"linear_argmax", "hybrid-fuse-linear-argmax",
       [](mlir::Operation *op) { return mlir::isa<hy::LinearArgmaxOp>(op); }},
      // A multiplier applied in a projection's epilogue: a linear's
      // output_scale, or a gated MLP's (its down projection's).
      {"scaled proj", "hybrid-fold-scales",
       [](mlir::Operation *op) {
         if (auto linear = mlir::dyn_cast<hy::LinearOp>(op))
           return linear.getOutputScale().convertToDouble() != 1.0 ||
                  !linear.hasUniformScale();
         if (auto mlp = mlir::dyn_cast<hy::GatedMLPOp>(op))
           return mlp.getOutputScale().convertToDouble() != 1.0;
         if (auto embedding = mlir::dyn_cast<hy::EmbeddingOp>(op))
           return embedding.getOutputScale().convertToDouble() != 1.0;
         return false;
       }},
  };
  os << format("%-13s %-14s %-32s %5s  %s\n", "entry", "fused op", "pass",
               "count", "layers");
  for (auto func : module.getOps<mlir::func::FuncOp>()) {
    for (const Row &row : rows) {
      std::vector<std::string> layers;
      func.walk([&](mlir::Operation *op) {
        if (row.formed(op))
          layers.push_back(layerOf(op));
      });
      std::string list;
      for (size_t i = 0; i < layers.size(); ++i)
        list += (i ? "," : "") + layers[i];
      os << format("%-13s %-14s %-32s %5zu  %s\n",
                   func.getName().str().c_str(), row.label, row.pass,
                   layers.size(), list.empty() ? "-" : list.c_str());
    }
  }
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerAllPasses();
  mlir::hybrid::registerHybridPasses();
  cl::ParseCommandLineOptions(argc, argv,
                              "hybridc: hybrid sequence model compiler\n");
  auto start = std::chrono::steady_clock::now();

  if (target != "cpu")
    die("--target=" + target + ": only 'cpu' is supported by this build");
  std::optional<fe::DType> weightDtype;
  if (!dtype.empty()) {
    weightDtype = fe::parseDType(dtype);
    if (!weightDtype || *weightDtype == fe::DType::F64)
      die("--dtype=" + dtype + ": expected f32, bf16 or f16");
  }
  if (maxSeq <= 0)
    die("--max-seq must be positive");

  fe::Expected<fe::ModelSpec> spec = fe::loadModelSpec(inputPath);
  if (!spec)
    die(spec.error().message());

  mlir::hybrid::CPUPipelineOptions pipelineOptions;
  pipelineOptions.threads = threads;
  // One target machine for the whole run: it shapes the GEMM micro-kernel
  // (32 registers of 16 f32 with AVX-512, 16 of 8 with AVX2, where a
  // 16-lane vector is two registers and prefill's accumulators would
  // spill) and, later, optimizes and emits the code.
  std::string triple;
  std::unique_ptr<TargetMachine> tm = createTargetMachine(triple);
  bool avx512 = tm->getMCSubtargetInfo()->checkFeatures("+avx512f");
  pipelineOptions.vectorLanes = avx512 ? 16 : 8;
  pipelineOptions.vectorRegisters = avx512 ? 32 : 16;
  // Each --disable-fusion name turns off one option of the fusion pipeline.
  using Options = mlir::hybrid::CPUPipelineOptions;
  using FusionOption = decltype(Options::raiseGatedMLP) Options::*;
  const std::pair<const char *, FusionOption> fusions[] = {
      {"activations", &Options::raiseActivations},
      {"norms", &Options::raiseNorms},
      {"gated-mlp", &Options::raiseGatedMLP},
      {"add-rms-norm", &Options::fuseAddRMSNorm},
      {"add-layer-norm", &Options::fuseAddLayerNorm},
      {"conv-activation", &Options::fuseConvActivation},
      {"scan-dt", &Options::foldDtIntoScan},
      {"rope", &Options::foldRoPE},
      {"projections", &Options::mergeProjections},
      {"scales", &Options::foldScales},
      {"linear-argmax", &Options::fuseLinearArgmax},
  };
  for (const std::string &name : disableFusion) {
    bool known = name == "all";
    for (const auto &[flag, option] : fusions)
      if (name == flag || name == "all") {
        pipelineOptions.*option = false;
        known = true;
      }
    if (!known) {
      std::string expected;
      for (const auto &fusion : fusions)
        expected += std::string(fusion.first) + ", ";
      die("--disable-fusion=" + name + ": expected " + expected + "or all");
    }
  }

  if (report.getNumOccurrences() && report != "fusion") {
    if (seqLen <= 0)
      die("--seq-len must be positive");
    fe::ModelReport r = fe::computeReport(*spec, seqLen);
    if (report == "json")
      outs() << fe::reportToJson(r).dump(2) << "\n";
    else if (report.empty() || report == "text")
      outs() << fe::reportToText(r);
    else
      die("--report=" + report + ": expected text, json or fusion");
    return 0;
  }

  mlir::DialectRegistry registry;
  registry.insert<mlir::hybrid::HybridDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();

  fe::BuildOptions buildOptions;
  buildOptions.maxSeq = maxSeq;
  buildOptions.weightDtype = weightDtype;
  std::string error;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      fe::buildModel(context, *spec, buildOptions, error);
  if (!module)
    die(error);
  {
    auto helper = mlir::hybrid::getHybridDialect(&context)->getModelAttrHelper();
    mlir::hybrid::ModelAttr m = helper.getAttr(*module);
    helper.setAttr(*module,
                   mlir::hybrid::ModelAttr::get(
                       &context, m.getName(), m.getModelType(),
                       m.getVocabSize(), m.getHiddenSize(), m.getNumLayers(),
                       m.getNumCodebooks(), m.getMaxSeq(),
                       mlir::StringAttr::get(&context, configHash(inputPath))));
  }
  progress("built " + spec->name + ": " + Twine(spec->numLayers) +
           " layers, " + Twine(spec->numParams()) + " parameters");

  auto openOutput = [&]() {
    std::string path = outputPath.empty() ? "-" : outputPath.getValue();
    std::error_code ec;
    auto out = std::make_unique<ToolOutputFile>(path, ec, sys::fs::OF_None);
    if (ec)
      die("cannot open " + path + ": " + ec.message());
    return out;
  };

  auto runPipeline = [&](auto build, StringRef what) {
    mlir::PassManager pm(&context);
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      die("bad pass manager options");
    build(pm);
    progress("running " + what);
    if (failed(pm.run(*module)))
      die(what + " failed on " + inputPath);
  };

  if (!passPipeline.empty()) {
    runPipeline(
        [&](mlir::PassManager &pm) {
          if (failed(mlir::parsePassPipeline(passPipeline, pm, errs())))
            die("bad --pass-pipeline");
        },
        "--pass-pipeline");
    auto out = openOutput();
    module->print(out->os());
    out->keep();
    return 0;
  }
  if (emit == "hybrid") {
    auto out = openOutput();
    module->print(out->os());
    out->keep();
    return 0;
  }

  if (report == "fusion") {
    runPipeline(
        [&](mlir::PassManager &pm) {
          mlir::hybrid::buildHybridFusionPipeline(pm, pipelineOptions);
        },
        "hybrid-fusion-pipeline");
    printFusionReport(*module, outs());
    return 0;
  }
  runPipeline(
      [&](mlir::PassManager &pm) {
        mlir::hybrid::buildHybridCPULoopsPipeline(pm, pipelineOptions);
      },
      "hybrid-cpu-loops-pipeline");
  if (emit == "lowered") {
    auto out = openOutput();
    module->print(out->os());
    out->keep();
    return 0;
  }
  runPipeline(
      [&](mlir::PassManager &pm) {
        mlir::hybrid::buildHybridCPULLVMPipeline(pm, pipelineOptions);
      },
      "hybrid-cpu-llvm-pipeline");

  LLVMContext llvmContext;
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(*module, llvmContext, spec->name);
  if (!llvmModule)
    die("translation to LLVM IR failed");
  llvmModule->setDataLayout(tm->createDataLayout());
  llvmModule->setTargetTriple(Triple(triple));
  progress("optimizing LLVM IR (O3, cpu " + tm->getTargetCPU() + ")");
  if (auto err = mlir::makeOptimizingTransformer(3, 0, tm.get())(
          llvmModule.get()))
    die("LLVM optimization failed: " + toString(std::move(err)));
  if (emit == "llvm") {
    auto out = openOutput();
    llvmModule->print(out->os(), nullptr);
    out->keep();
    return 0;
  }

  bool wantObject = emit == "obj";
  if (!wantObject && emit != "so")
    die("--emit=" + emit + ": expected hybrid, lowered, llvm, obj or so");
  std::string output = outputPath;
  if (output.empty())
    output = (spec->name + (wantObject ? ".o" : ".so"));
  SmallString<256> objectPath;
  if (wantObject) {
    objectPath = output;
  } else if (auto ec = sys::fs::createTemporaryFile("hybridc", "o",
                                                    objectPath)) {
    die("cannot create a temporary object file: " + ec.message());
  }
  {
    std::error_code ec;
    raw_fd_ostream os(objectPath, ec, sys::fs::OF_None);
    if (ec)
      die("cannot write " + objectPath + ": " + ec.message());
    legacy::PassManager codegen;
    if (tm->addPassesToEmitFile(codegen, os, nullptr,
                                CodeGenFileType::ObjectFile))
      die("the target cannot emit object files");
    progress("generating code");
    codegen.run(*llvmModule);
  }
  if (!wantObject) {
    progress("linking " + output);
    linkSharedObject(objectPath, output, threads);
    sys::fs::remove(objectPath);
  }
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  std::string elapsed;
  raw_string_ostream(elapsed) << format("%.1f", seconds);
  progress("wrote " + output + " in " + elapsed + " s");
  return 0;
}
