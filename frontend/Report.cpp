//===- Report.cpp - Parameters, FLOPs per token and state bytes ----------===//
//
// FLOP conventions (docs/Frontend.md, "Report", and mixers/Mixer.h): a
// multiply-add is 2 FLOPs; y = x W^T with W [out, in] costs 2 in out per
// token; each mixer kind counts its own (mixers/*.cpp: attention scores and
// values cost 4 heads headDim ctx, scans the operations of their recurrence);
// norms, activations, RoPE, softmax, residual adds, biases and multipliers
// are not counted.
//
//===----------------------------------------------------------------------===//

#include "frontend/Report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hybrid::frontend {

namespace {

double denseFfnFlops(const ModelSpec &s, const FfnSpec &f) {
  double h = double(s.hidden), i = double(f.intermediate);
  switch (f.kind) {
  case FfnKind::Mlp: return linearFlops(h, i) + linearFlops(i, h);
  case FfnKind::GatedMlp: return 2 * linearFlops(h, i) + linearFlops(i, h);
  default: return 0;
  }
}

double moeFlops(const ModelSpec &s, const MoeSpec &m) {
  return linearFlops(double(s.hidden), double(m.numExperts)) +
         double(m.topK) * denseFfnFlops(s, m.expert) + denseFfnFlops(s, m.shared);
}

FlopCount layerFlops(const ModelSpec &s, const LayerSpec &l, int64_t n) {
  FlopCount f;
  countMixerFlops(l.mixer, FlopContext{s.hidden, n}, f);
  f.both(l.ffn.kind == FfnKind::Moe ? moeFlops(s, l.moe) : denseFfnFlops(s, l.ffn));
  return f;
}

std::string layerKind(const LayerSpec &l) {
  std::string mixer = l.hasMixer() ? toString(l.mixerKind()) : "";
  std::string ffn = l.ffn.kind == FfnKind::None ? "" : toString(l.ffn.kind);
  if (mixer.empty())
    return ffn;
  return ffn.empty() ? mixer : mixer + "+" + ffn;
}

int64_t satAdd(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

void accumulate(ReportRow &total, const ReportRow &row) {
  total.params = satAdd(total.params, row.params);
  total.prefillFlops += row.prefillFlops;
  total.decodeFlops += row.decodeFlops;
  total.stateBytes = satAdd(total.stateBytes, row.stateBytes);
}

std::string formatCount(double v) {
  char buf[64];
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e18)
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  else
    std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

// Moshi's depth transformer, per position (a frame, or a teacher-forced
// position): every step runs depformer_in, the depth layers with the step's
// weight set over the steps so far, and its linears head.
double depthFlops(const ModelSpec &spec) {
  const MoshiSpec &m = *spec.moshi;
  const DepthSpec &d = m.depth;
  ModelSpec depthShape;
  depthShape.hidden = d.dim;
  double total = 0;
  for (int64_t s = 0; s < d.steps; ++s) {
    FlopCount f;
    countMixerFlops(MixerSpec(d.attention), FlopContext{d.dim, s + 1}, f);
    double perLayer = f.decode + denseFfnFlops(depthShape, d.ffn[size_t(d.weightSet[size_t(s)])]);
    total += linearFlops(double(spec.hidden), double(d.dim)) + double(d.numLayers) * perLayer +
             linearFlops(double(d.dim), double(m.card));
  }
  return total;
}

} // namespace

ModelReport computeReport(const ModelSpec &spec, int64_t seqLen) {
  ModelReport r;
  r.model = spec.name;
  r.seqLen = seqLen < 1 ? 1 : seqLen;
  r.stateDtype = spec.stateDtype;

  // Row 0 = embed, rows 1..L = layers, (Moshi: row L+1 = the depth
  // transformer,) then head.
  const bool moshi = spec.moshi.has_value();
  std::vector<ReportRow> rows(spec.layers.size() + (moshi ? 3 : 2));
  rows.front().label = "embed";
  rows.front().kind = spec.numCodebooks > 1 ? "embedding x" + std::to_string(spec.numCodebooks)
                                            : "embedding";
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec &l = spec.layers[i];
    ReportRow &row = rows[i + 1];
    row.label = std::to_string(l.index);
    row.kind = layerKind(l);
    FlopCount f = layerFlops(spec, l, r.seqLen);
    row.prefillFlops = f.prefill;
    row.decodeFlops = f.decode;
  }
  ReportRow &head = rows.back();
  head.label = "head";
  head.kind = spec.tiedEmbeddings ? "norm+lm_head (tied)" : "norm+lm_head";
  double headFlops = double(moshi ? 1 : spec.numCodebooks) *
                     linearFlops(double(spec.hidden), double(spec.outputVocabSize));
  head.prefillFlops = head.decodeFlops = headFlops;
  const size_t depthRow = spec.layers.size() + 1;
  if (moshi) {
    ReportRow &depth = rows[depthRow];
    depth.label = "depth";
    depth.kind = "depth x" + std::to_string(spec.moshi->depth.steps) + " steps";
    depth.prefillFlops = depth.decodeFlops = depthFlops(spec);
  }

  forEachWeight(spec, [&](const std::string &role, int64_t layer,
                          const std::vector<int64_t> &shape) {
    size_t idx;
    if (layer >= 0 && size_t(layer) < spec.layers.size())
      idx = size_t(layer) + 1;
    else if (moshi && (layer >= 0 || role.rfind("depformer", 0) == 0 ||
                       role.rfind("linears.", 0) == 0))
      idx = depthRow;
    else if (moshi)
      idx = role.rfind("emb.", 0) == 0 || role.rfind("text_emb.", 0) == 0 ? 0 : rows.size() - 1;
    else
      idx = role.rfind("embed", 0) == 0 ? 0 : rows.size() - 1;
    rows[idx].params = satAdd(rows[idx].params, numelOf(shape));
  });
  for (const StateSpec &st : stateBuffers(spec, r.seqLen)) {
    if (st.layer >= 0 && size_t(st.layer) < spec.layers.size())
      rows[size_t(st.layer) + 1].stateBytes =
          satAdd(rows[size_t(st.layer) + 1].stateBytes, st.bytes());
    else if (moshi && st.perFrame)
      rows[depthRow].stateBytes = satAdd(rows[depthRow].stateBytes, st.bytes());
  }

  r.total.label = "total";
  for (const ReportRow &row : rows)
    accumulate(r.total, row);
  r.rows = std::move(rows);
  return r;
}

std::string reportToText(const ModelReport &report) {
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"layer", "kind", "params", "prefill FLOPs/token", "decode FLOPs/token",
                   "state bytes"});
  auto add = [&](const ReportRow &row) {
    cells.push_back({row.label, row.kind, std::to_string(row.params),
                     formatCount(row.prefillFlops), formatCount(row.decodeFlops),
                     std::to_string(row.stateBytes)});
  };
  for (const ReportRow &row : report.rows)
    add(row);
  add(report.total);

  std::vector<size_t> width(6, 0);
  for (const auto &line : cells)
    for (size_t c = 0; c < line.size(); ++c)
      width[c] = std::max(width[c], line[c].size());

  std::string out = "model " + report.model + ", sequence length " +
                    std::to_string(report.seqLen) + ", state dtype " +
                    toString(report.stateDtype) + "\n";
  for (size_t r = 0; r < cells.size(); ++r) {
    const auto &line = cells[r];
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      std::string pad(width[c] - line[c].size(), ' ');
      if (c > 0)
        text += "  ";
      text += c < 2 ? line[c] + pad : pad + line[c]; // text left, numbers right
    }
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    out += text + "\n";
    if (r == 0 || r + 2 == cells.size()) {
      size_t total = 0;
      for (size_t w : width)
        total += w;
      out += std::string(total + 2 * (width.size() - 1), '-') + "\n";
    }
  }
  return out;
}

nlohmann::json reportToJson(const ModelReport &report) {
  auto row = [](const ReportRow &r) {
    return nlohmann::json{{"label", r.label},
                          {"kind", r.kind},
                          {"params", r.params},
                          {"prefill_flops_per_token", r.prefillFlops},
                          {"decode_flops_per_token", r.decodeFlops},
                          {"state_bytes", r.stateBytes}};
  };
  nlohmann::json layers = nlohmann::json::array();
  for (const ReportRow &r : report.rows)
    layers.push_back(row(r));
  return nlohmann::json{{"model", report.model},
                        {"seq_len", report.seqLen},
                        {"state_dtype", toString(report.stateDtype)},
                        {"layers", layers},
                        {"total", row(report.total)}};
}

} // namespace hybrid::frontend
