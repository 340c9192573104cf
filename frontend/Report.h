//===- Report.h - Parameters, FLOPs per token and state bytes ---*- C++ -*-===//
//
// `hybridc --report`: per layer and in total, the parameter count (the sum of
// ModelSpec::weights() element counts), FLOPs per token at sequence length N
// for prefill (average over a prompt of N tokens) and for decode (one token
// whose step leaves N tokens in the cache), and the state bytes per sequence
// at N (the sum of stateBuffers(spec, N)). The formulas are in
// docs/Frontend.md ("Report").
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_REPORT_H
#define HYBRIDC_FRONTEND_REPORT_H

#include "frontend/ModelSpec.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hybrid::frontend {

struct ReportRow {
  std::string label;   // "embed", "0", "1", ..., "head", "total"
  std::string kind;    // "attention+gated", "mamba2", "moe", ...
  int64_t params = 0;
  double prefillFlops = 0; // per token, averaged over a prompt of N tokens
  double decodeFlops = 0;  // per token at position N
  int64_t stateBytes = 0;  // per sequence at N
};

struct ModelReport {
  std::string model;
  int64_t seqLen = 0;
  DType stateDtype = DType::F32;
  std::vector<ReportRow> rows; // embed, layers in order, head
  ReportRow total;
};

// seqLen >= 1. Saturates instead of overflowing on absurd sizes.
ModelReport computeReport(const ModelSpec &spec, int64_t seqLen);

// Aligned text table, one row per layer plus embed, head and total.
std::string reportToText(const ModelReport &report);

// {"model", "seq_len", "state_dtype", "layers": [{label, kind, params,
//  prefill_flops_per_token, decode_flops_per_token, state_bytes}...],
//  "total": {...}}
nlohmann::json reportToJson(const ModelReport &report);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_REPORT_H
