//===- hybridc.cpp - model config to artifact -----------------------------===//
//
//   hybridc MODEL [-o OUT] [--target=cpu] [--emit=hybrid|lowered|llvm|obj|so]
//           [--max-seq=N] [--dtype=f32|bf16|f16] [--report[=text|json]]
//           [--seq-len=N] [--cpu=NAME] [--openmp] [--pass-pipeline=...]
//
// MODEL is a JSON config (native, HuggingFace or Zonos) or a directory holding
// config.json. The default output is the artifact `.so` (docs/ABI.md), made
// by the --target backend (targets/TargetBackend.h): this file is the command
// line, the frontend call and the dispatch, nothing target-specific. The
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
#include "runtime/src/config_hash.h"
#include "passes/Target/CUDA/Pipelines.h"
#include "targets/OutputFile.h"
#include "targets/TargetBackend.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/Format.h"

#include <chrono>
#include <cstdlib>
#include <functional>

using namespace llvm;
namespace fe = hybrid::frontend;

// Not cl::Required: --cpu=help needs no model.
static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model>"),
                                      cl::init(""));
static cl::opt<std::string> outputPath("o", cl::desc("Output file"),
                                       cl::value_desc("path"), cl::init(""));
static cl::opt<std::string> target("target",
                                   cl::desc("Target backend: cpu | cuda"),
                                   cl::init("cpu"));
static cl::opt<std::string>
    gpuArch("gpu-arch",
            cl::desc("GPU of the cubin with --target=cuda (default sm_90a); "
                     "the PTX beside it runs on later GPUs too"),
            cl::init(""));
static cl::opt<std::string> cudaPipelineOptions(
    "cuda-pipeline-options",
    cl::desc("Tuning options of hybrid-cuda-pipeline with --target=cuda, as "
             "hybrid-opt takes them, e.g. \"attention-kv-chunks=128\""),
    cl::init(""));
static cl::opt<std::string>
    emit("emit",
         cl::desc("hybrid | lowered | llvm | ptx (cuda) | obj | so (default so)"),
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
static cl::opt<std::string>
    cpu("cpu",
        cl::desc("Target CPU (default: this host's); --cpu=help lists them"),
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

/// Writes |print|'s text to |path| ("-": stdout) or dies with one line
/// naming it (a full disk, a closed pipe).
void writeOrDie(StringRef path, function_ref<void(raw_ostream &)> print) {
  std::string error = hybrid::target::writeOutputFile(
      path, sys::fs::OF_None, [&](raw_ostream &os) {
        print(os);
        return std::string();
      });
  if (!error.empty())
    die(error);
}

/// The longest sequence --max-seq and --seq-len accept: 16M tokens, past
/// any model's context, while every cache's byte size (max_seq x heads x
/// head_dim x element size) stays far inside the int64 that the manifest
/// and the runtime count in. Unbounded, --max-seq=2^62 built an artifact
/// that the runtime refuses.
constexpr int64_t kMaxSequenceLength = int64_t(1) << 24;

/// Dies with one line unless --|name| is in [1, kMaxSequenceLength].
void checkSizeFlag(StringRef name, int64_t value) {
  if (value < 1 || value > kMaxSequenceLength)
    die("--" + name + "=" + Twine(value) + ": expected an integer in [1, " +
        Twine(kMaxSequenceLength) + "]");
}

void progress(const Twine &message) {
  if (!quiet)
    errs() << "hybridc: " << message << "\n";
}

/// The hash of the config file (a directory's config.json), so that an
/// artifact names the config it was compiled from and the runtime can refuse
/// another model's checkpoint directory (runtime/src/config_hash.h).
std::string configHash(StringRef path) {
  SmallString<256> file(path);
  if (sys::fs::is_directory(file))
    sys::path::append(file, hyb::ConfigHash::kFileName);
  hyb::ConfigHash hash = hyb::ConfigHash::ofBytes("", 0);
  if (hyb_status_t status = hyb::ConfigHash::ofFile(file.str().str(), &hash)) {
    std::string message = hyb_status_message(status);
    hyb_status_free(status);
    die(message);
  }
  return hash.str();
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
  // stderr carries progress and errors and has nowhere to report its own
  // failure (2>/dev/full): cleared at exit, before errs() is destroyed (it
  // is made first), so that its destructor does not turn a compile that
  // succeeded into a fatal "IO failure on output stream".
  errs();
  std::atexit([] { errs().clear_error(); });
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerAllPasses();
  mlir::hybrid::registerHybridPasses();
  cl::ParseCommandLineOptions(argc, argv,
                              "hybridc: hybrid sequence model compiler\n");
  auto start = std::chrono::steady_clock::now();

  std::optional<fe::DType> weightDtype;
  if (!dtype.empty()) {
    weightDtype = fe::parseDType(dtype);
    if (!weightDtype || *weightDtype == fe::DType::F64)
      die("--dtype=" + dtype + ": expected f32, bf16 or f16");
  }
  checkSizeFlag("max-seq", maxSeq);

  if (cpu == "help") {
    writeOrDie("-", [](raw_ostream &os) { hybrid::target::printHostCPUs(os); });
    return 0;
  }
  if (inputPath.empty())
    die("missing MODEL: a JSON config or a directory holding config.json "
        "(see --help)");

  hybrid::target::TargetOptions targetOptions;
  targetOptions.cpu = cpu;
  targetOptions.openmp = threads;
  targetOptions.gpuArch = gpuArch;
  targetOptions.cudaPipelineOptions = cudaPipelineOptions;
  targetOptions.progress = [](const Twine &message) { progress(message); };
  std::string targetError;
  std::unique_ptr<hybrid::target::TargetBackend> backend =
      hybrid::target::createTargetBackend(target, targetOptions, targetError);
  if (!backend)
    die(targetError);
  std::optional<hybrid::target::EmitKind> emitKind;
  if (emit != "hybrid" && emit != "lowered") {
    emitKind = hybrid::target::parseEmitKind(emit);
    if (!emitKind || !backend->supports(*emitKind))
      die("--emit=" + emit + ": expected hybrid, lowered, llvm, " +
          (backend->supports(hybrid::target::EmitKind::Assembly) ? "ptx, "
                                                                  : "") +
          "obj or so" +
          (emitKind ? " for --target=" + backend->name().str() : ""));
  }
  if (!gpuArch.empty()) {
    if (backend->name() != "cuda")
      die("--gpu-arch=" + gpuArch + " needs --target=cuda");
    // sm_<major><minor>, with the "a" of arch-specific features (sm_90a).
    StringRef arch = gpuArch;
    bool named = arch.consume_front("sm_");
    arch.consume_back("a");
    unsigned version = 0;
    if (!named || arch.getAsInteger(10, version) || version < 50)
      die("--gpu-arch=" + gpuArch +
          ": expected sm_<compute capability>, e.g. sm_90a or sm_80");
  }

  if (!cudaPipelineOptions.empty()) {
    if (backend->name() != "cuda")
      die("--cuda-pipeline-options needs --target=cuda");
    mlir::hybrid::CUDAPipelineOptions probe;
    std::string errors;
    llvm::raw_string_ostream os(errors);
    if (failed(probe.parseFromString(cudaPipelineOptions, os)))
      die("--cuda-pipeline-options=" + cudaPipelineOptions +
          ": not options of hybrid-cuda-pipeline (hybrid-opt "
          "--hybrid-cuda-pipeline --help lists them)");
  }

  fe::Expected<fe::ModelSpec> spec = fe::loadModelSpec(inputPath);
  if (!spec)
    die(spec.error().message());

  // Each --disable-fusion name turns off one option of the fusion pipeline.
  mlir::hybrid::FusionPipelineOptions fusionOptions;
  for (const std::string &name : disableFusion)
    if (!fusionOptions.fusion.disable(name))
      die("--disable-fusion=" + name + ": expected " +
          mlir::hybrid::FusionOptions::names());

  if (report.getNumOccurrences() && report != "fusion") {
    checkSizeFlag("seq-len", seqLen);
    if (report != "json" && !report.empty() && report != "text")
      die("--report=" + report + ": expected text, json or fusion");
    fe::ModelReport r = fe::computeReport(*spec, seqLen);
    writeOrDie("-", [&](raw_ostream &os) {
      if (report == "json")
        os << fe::reportToJson(r).dump(2) << "\n";
      else
        os << fe::reportToText(r);
    });
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
                       mlir::StringAttr::get(&context, configHash(inputPath)),
                       m.getFrameRate(), m.getStreamDelays(),
                       m.getInitialTokens()));
  }
  progress("built " + spec->name + ": " + Twine(spec->numLayers) +
           " layers, " + Twine(spec->numParams()) + " parameters");

  auto printModule = [&]() {
    std::string path = outputPath.empty() ? "-" : outputPath.getValue();
    writeOrDie(path, [&](raw_ostream &os) { module->print(os); });
  };

  auto runPipeline = [&](auto build) {
    mlir::PassManager pm(&context);
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      die("bad pass manager options");
    std::string what;
    build(pm, what);
    progress("running " + what);
    if (failed(pm.run(*module)))
      die(what + " failed on " + inputPath);
  };

  if (!passPipeline.empty()) {
    runPipeline([&](mlir::PassManager &pm, std::string &what) {
      what = "--pass-pipeline";
      if (failed(mlir::parsePassPipeline(passPipeline, pm, errs())))
        die("bad --pass-pipeline");
    });
    printModule();
    return 0;
  }
  if (emit == "hybrid") {
    printModule();
    return 0;
  }

  if (report == "fusion") {
    runPipeline([&](mlir::PassManager &pm, std::string &what) {
      what = "hybrid-fusion-pipeline";
      mlir::hybrid::buildHybridFusionPipeline(pm, fusionOptions.fusion);
    });
    writeOrDie("-", [&](raw_ostream &os) { printFusionReport(*module, os); });
    return 0;
  }
  runPipeline([&](mlir::PassManager &pm, std::string &what) {
    backend->buildLoweringPipeline(pm, fusionOptions.fusion, what);
  });
  if (emit == "lowered") {
    printModule();
    return 0;
  }
  runPipeline([&](mlir::PassManager &pm, std::string &what) {
    backend->buildTranslationPipeline(pm, what);
  });

  std::string output = outputPath;
  if (output.empty())
    output = *emitKind == hybrid::target::EmitKind::Object ? spec->name + ".o"
             : *emitKind == hybrid::target::EmitKind::Artifact
                 ? spec->name + ".so"
                 : "-";
  {
    // The backend's errors, as the one line that names what failed.
    std::string why;
    // Others (translation's warnings) go on to the handler that was there.
    mlir::ScopedDiagnosticHandler collect(&context, [&](mlir::Diagnostic &d) {
      if (d.getSeverity() != mlir::DiagnosticSeverity::Error)
        return mlir::failure();
      why += (why.empty() ? ": " : "; ") + d.str();
      return mlir::success();
    });
    if (failed(backend->serialize(*module, spec->name, *emitKind, output)))
      die("serializing " + output + " failed" + why);
  }
  if (*emitKind == hybrid::target::EmitKind::Artifact ||
      *emitKind == hybrid::target::EmitKind::Object) {
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    std::string elapsed;
    raw_string_ostream(elapsed) << format("%.1f", seconds);
    progress("wrote " + output + " in " + elapsed + " s");
  }
  return 0;
}
