//===- Mixer.h - What every mixer kind provides -----------------*- C++ -*-===//
//
// A mixer is the token-mixing half of a layer (attention, a scan, or several
// side by side). Each kind lives in its own files, mixers/<Kind>.h/.cpp: its
// spec struct and four free functions overloaded on that struct,
//
//   void validate(const KindSpec &, const detail::SpecChecker &,
//                 const std::string &layerPath);  // "layers[3]"
//   void listWeights(const KindSpec &, WeightList &);
//   void listState(const KindSpec &, StateList &);
//   void countFlops(const KindSpec &, const FlopContext &, FlopCount &);
//
// and its IR in frontend/builder/. MixerRegistry.h lists the kinds; the rest
// of the frontend (validate(), weights(), stateBuffers(), the report) reaches
// a mixer only through it, so a new kind touches its reader, its mixer file,
// the registry and its lowering.
//
// The lists below take what a mixer emits in its order, which is the order
// of the checkpoint listing, the runtime's state buffers and the sums of the
// report: a mixer must emit in a fixed order.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_MIXERS_MIXER_H
#define HYBRIDC_FRONTEND_MIXERS_MIXER_H

#include "frontend/SpecTypes.h"

#include <functional>
#include <string>
#include <vector>

namespace hybrid::frontend {

namespace detail {
class SpecChecker;
} // namespace detail

// Receives the tensors of a model: role (family-independent, e.g.
// "attn.q_proj.weight"), layer (-1 for global tensors) and shape. Names are
// derived later from the role (ModelSpec::weightName).
class WeightList {
public:
  using Emit = std::function<void(const std::string &role, int64_t layer,
                                  const std::vector<int64_t> &shape)>;
  WeightList(const Emit &emit, int64_t hidden) : emit(emit), hidden_(hidden) {}

  int64_t hidden() const { return hidden_; }
  void setLayer(int64_t l) { layer = l; }

  void add(const std::string &role, const std::vector<int64_t> &shape) {
    emit(role, layer, shape);
  }
  // `prefix`weight [out, in], and `prefix`bias [out] if `bias`.
  void linear(const std::string &prefix, int64_t in, int64_t out, bool bias) {
    add(prefix + "weight", {out, in});
    if (bias)
      add(prefix + "bias", {out});
  }
  // Nothing for kind None; `prefix`weight [width], `prefix`bias if it has one.
  void norm(const std::string &prefix, const NormSpec &n, int64_t width) {
    if (n.kind == NormKind::None)
      return;
    add(prefix + "weight", {width});
    if (n.bias)
      add(prefix + "bias", {width});
  }

private:
  const Emit &emit;
  int64_t hidden_;
  int64_t layer = -1;
};

// Receives the per-sequence state buffers of one layer, named
// "layers.<layer>.<kind>", in the spec's state dtype.
class StateList {
public:
  StateList(std::vector<StateSpec> &out, DType dtype, int64_t maxSeq)
      : out(out), dtype(dtype), maxSeq_(maxSeq) {}

  int64_t maxSeq() const { return maxSeq_; }
  void setLayer(int64_t l) { layer = l; }

  void add(const char *kind, std::vector<int64_t> shape) {
    out.push_back({"layers." + std::to_string(layer) + "." + kind, kind, layer, dtype,
                   std::move(shape)});
  }

private:
  std::vector<StateSpec> &out;
  DType dtype;
  int64_t maxSeq_;
  int64_t layer = 0;
};

// FLOPs per token (docs/Frontend.md, "Report"): a multiply-add is 2 FLOPs,
// y = x W^T with W [out, in] costs 2 in out; norms, activations, RoPE,
// softmax, residual adds, biases and multipliers are not counted.
struct FlopContext {
  int64_t hidden = 0;
  int64_t seqLen = 1; // prefill: average over a prompt of seqLen tokens;
                      // decode: the token whose step leaves seqLen in the cache
};

struct FlopCount {
  double prefill = 0, decode = 0;
  void both(double x) {
    prefill += x;
    decode += x;
  }
};

inline double linearFlops(double in, double out) { return 2.0 * in * out; }

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_MIXERS_MIXER_H
