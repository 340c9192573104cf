//===- HybridOptFuzzer.cpp - libFuzzer on the dialect's parser/verifiers -===//
//
// Splits the input on "// -----" (as hybrid-opt --split-input-file does) and
// parses every chunk as a module of the hybrid, func, arith, tensor and linalg
// dialects: the parser runs the dialect's custom assembly formats, attribute
// parsers and, on success, every op's verifier. A chunk that parses and
// verifies is printed in the custom form, which must parse and verify again
// (a printer that writes what its parser refuses is a bug), and in the
// generic form. Any crash, sanitizer report or failed round trip is a bug:
// bad IR must end as a diagnostic.
//
//   cmake -DHYBRIDC_BUILD_FUZZERS=ON -DHYBRIDC_SANITIZE=address,undefined ...
//   ninja hybrid-opt-fuzzer
//   mkdir -p /tmp/new && build-asan/bin/hybrid-opt-fuzzer -max_len=4096 \
//       -max_total_time=60 /tmp/new tools/hybrid-opt/fuzz/corpus
//
// The corpus is every chunk of test/Dialect/Hybrid/*.mlir, one file each
// (make-corpus.py writes it).
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/HybridDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace mlir;

namespace {

MLIRContext &fuzzContext() {
  static MLIRContext *context = [] {
    DialectRegistry registry;
    registry.insert<hybrid::HybridDialect, func::FuncDialect,
                    arith::ArithDialect, tensor::TensorDialect,
                    linalg::LinalgDialect>();
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    // Diagnostics are the expected outcome for bad input: drop them.
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  return *context;
}

std::vector<std::string_view> splitChunks(std::string_view text) {
  std::vector<std::string_view> chunks;
  const std::string_view marker = "// -----";
  size_t start = 0;
  while (true) {
    size_t at = text.find(marker, start);
    if (at == std::string_view::npos) {
      chunks.push_back(text.substr(start));
      return chunks;
    }
    chunks.push_back(text.substr(start, at - start));
    start = at + marker.size();
  }
}

OwningOpRef<ModuleOp> parse(std::string_view text, MLIRContext &context) {
  ParserConfig config(&context, /*verifyAfterParse=*/true);
  return parseSourceString<ModuleOp>(llvm::StringRef(text.data(), text.size()),
                                     config, "fuzz.mlir");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &context = fuzzContext();
  std::string text(reinterpret_cast<const char *>(data), size);
  for (std::string_view view : splitChunks(text)) {
    // A copy of its own, NUL-terminated as every buffer MLIR's lexer reads
    // (hybrid-opt --split-input-file copies each chunk too): the lexer reads
    // up to the terminator, not to the end of a view.
    const std::string chunk(view);
    OwningOpRef<ModuleOp> module = parse(chunk, context);
    if (!module)
      continue;
    std::string custom, generic;
    {
      llvm::raw_string_ostream os(custom);
      module->print(os);
    }
    {
      llvm::raw_string_ostream os(generic);
      module->print(os, OpPrintingFlags().printGenericOpForm());
    }
    OwningOpRef<ModuleOp> again = parse(custom, context);
    if (!again) {
      llvm::errs() << "printed form does not parse back:\n" << custom << "\n";
      __builtin_trap();
    }
  }
  return 0;
}
