//===- Report.cpp - Parameters, FLOPs per token and state bytes ----------===//
//
// FLOP conventions (docs/Frontend.md, "Report"): a multiply-add is 2 FLOPs;
// y = x W^T with W [out, in] costs 2 in out per token; attention scores and
// values cost 4 heads headDim ctx; scans count the operations of their
// recurrence; norms, activations, RoPE, softmax, residual adds, biases and
// multipliers are not counted.
//
//===----------------------------------------------------------------------===//

#include "frontend/Report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hybrid::frontend {

namespace {

double linear(double in, double out) { return 2.0 * in * out; }

// Average keys attended per token over a prompt of n tokens (token t, 1-based,
// sees min(t, window) keys); window 0 = unlimited.
double prefillContext(int64_t n, int64_t window) {
  double N = double(n);
  if (window <= 0 || window >= n)
    return (N + 1.0) / 2.0;
  double W = double(window);
  return (W * (W + 1.0) / 2.0 + (N - W) * W) / N;
}

double decodeContext(int64_t n, int64_t window) {
  return double(window <= 0 ? n : std::min(n, window));
}

struct Flops {
  double prefill = 0, decode = 0;
  void both(double x) {
    prefill += x;
    decode += x;
  }
};

void attentionFlops(const ModelSpec &s, const AttentionSpec &a, bool outProj, int64_t n,
                    Flops &f) {
  double h = double(s.hidden), q = double(a.numHeads * a.headDim),
         kv = double(a.numKvHeads * a.headDim);
  f.both(linear(h, q) + 2 * linear(h, kv));
  if (outProj)
    f.both(linear(q, h));
  double perKey = 4.0 * double(a.numHeads) * double(a.headDim);
  f.prefill += perKey * prefillContext(n, a.slidingWindow);
  f.decode += perKey * decodeContext(n, a.slidingWindow);
}

double mamba1Flops(const ModelSpec &s, const Mamba1Spec &m) {
  double h = double(s.hidden), e = double(m.dInner), st = double(m.dState),
         r = double(m.dtRank), k = double(m.dConv);
  return linear(h, 2 * e)           // in_proj
         + 2 * e * k                // depthwise causal conv
         + linear(e, r + 2 * st)    // x_proj
         + linear(r, e)             // dt_proj
         + 6 * e * st + 3 * e       // selective scan recurrence (see docs)
         + linear(e, h);            // out_proj
}

double mamba2Flops(const ModelSpec &s, const Mamba2Spec &m, bool outProj) {
  double h = double(s.hidden), e = double(m.dInner()), st = double(m.dState),
         nh = double(m.nHeads), k = double(m.dConv);
  double x = linear(h, double(m.inProjDim())) // in_proj
             + 2 * double(m.convDim()) * k     // depthwise causal conv
             + 5 * e * st + nh * st + nh + 2 * e; // SSD recurrence (see docs)
  if (outProj)
    x += linear(e, h);
  return x;
}

double denseFfnFlops(const ModelSpec &s, const FfnSpec &f) {
  double h = double(s.hidden), i = double(f.intermediate);
  switch (f.kind) {
  case FfnKind::Mlp: return linear(h, i) + linear(i, h);
  case FfnKind::GatedMlp: return 2 * linear(h, i) + linear(i, h);
  default: return 0;
  }
}

double moeFlops(const ModelSpec &s, const MoeSpec &m) {
  return linear(double(s.hidden), double(m.numExperts)) +
         double(m.topK) * denseFfnFlops(s, m.expert) + denseFfnFlops(s, m.shared);
}

Flops layerFlops(const ModelSpec &s, const LayerSpec &l, int64_t n) {
  Flops f;
  switch (l.mixer) {
  case MixerKind::None:
    break;
  case MixerKind::Attention:
    attentionFlops(s, l.attention, true, n, f);
    break;
  case MixerKind::Mamba1:
    f.both(mamba1Flops(s, l.mamba1));
    break;
  case MixerKind::Mamba2:
    f.both(mamba2Flops(s, l.mamba2, true));
    break;
  case MixerKind::Parallel:
    attentionFlops(s, l.attention, true, n, f);
    f.both(mamba2Flops(s, l.mamba2, true));
    break;
  case MixerKind::IntraHybrid: {
    bool shared = l.intra.sharedOutProj;
    attentionFlops(s, l.attention, !shared, n, f);
    f.both(mamba2Flops(s, l.mamba2, !shared));
    if (shared) {
      double attnW = double(l.attention.numHeads * l.attention.headDim);
      double ssmW = double(l.mamba2.dInner());
      f.both(linear(l.intra.fusion == Fusion::Concat ? attnW + ssmW : attnW, double(s.hidden)));
    }
    break;
  }
  }
  f.both(l.ffn.kind == FfnKind::Moe ? moeFlops(s, l.moe) : denseFfnFlops(s, l.ffn));
  return f;
}

std::string layerKind(const LayerSpec &l) {
  std::string mixer = l.mixer == MixerKind::None ? "" : toString(l.mixer);
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

} // namespace

ModelReport computeReport(const ModelSpec &spec, int64_t seqLen) {
  ModelReport r;
  r.model = spec.name;
  r.seqLen = seqLen < 1 ? 1 : seqLen;
  r.stateDtype = spec.stateDtype;

  // Row 0 = embed, rows 1..L = layers, row L+1 = head.
  std::vector<ReportRow> rows(spec.layers.size() + 2);
  rows.front().label = "embed";
  rows.front().kind = spec.numCodebooks > 1 ? "embedding x" + std::to_string(spec.numCodebooks)
                                            : "embedding";
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec &l = spec.layers[i];
    ReportRow &row = rows[i + 1];
    row.label = std::to_string(l.index);
    row.kind = layerKind(l);
    Flops f = layerFlops(spec, l, r.seqLen);
    row.prefillFlops = f.prefill;
    row.decodeFlops = f.decode;
  }
  ReportRow &head = rows.back();
  head.label = "head";
  head.kind = spec.tiedEmbeddings ? "norm+lm_head (tied)" : "norm+lm_head";
  double headFlops = double(spec.numCodebooks) *
                     linear(double(spec.hidden), double(spec.outputVocabSize));
  head.prefillFlops = head.decodeFlops = headFlops;

  forEachWeight(spec, [&](const std::string &role, int64_t layer,
                          const std::vector<int64_t> &shape) {
    size_t idx;
    if (layer >= 0 && size_t(layer) < spec.layers.size())
      idx = size_t(layer) + 1;
    else
      idx = role.rfind("embed", 0) == 0 ? 0 : rows.size() - 1;
    rows[idx].params = satAdd(rows[idx].params, numelOf(shape));
  });
  for (const StateSpec &st : stateBuffers(spec, r.seqLen))
    if (st.layer >= 0 && size_t(st.layer) < spec.layers.size())
      rows[size_t(st.layer) + 1].stateBytes =
          satAdd(rows[size_t(st.layer) + 1].stateBytes, st.bytes());

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
