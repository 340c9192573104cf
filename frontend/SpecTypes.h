//===- SpecTypes.h - Plain types of the spec and its mixers -----*- C++ -*-===//
//
// What ModelSpec.h and the mixer kinds (mixers/*.h) both use: dtypes, norms,
// activations, and the tensors and state buffers a spec implies. Include
// ModelSpec.h rather than this file.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_SPECTYPES_H
#define HYBRIDC_FRONTEND_SPECTYPES_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hybrid::frontend {

enum class DType { F32, BF16, F16, F64 };
const char *toString(DType t);            // "f32", "bf16", "f16", "f64"
int64_t byteSize(DType t);                // 4, 2, 2, 8
std::optional<DType> parseDType(const std::string &s); // f32|bf16|f16|f64 and
                                          // float32|bfloat16|float16|float64

enum class NormKind { None, RMS, Layer };
const char *toString(NormKind k); // "none", "rms", "layer"

enum class Activation { Silu, Gelu, GeluTanh, Relu, Relu2 };
const char *toString(Activation a); // "silu", "gelu", "gelu_tanh", "relu", "relu2"

struct NormSpec {
  NormKind kind = NormKind::None;
  double eps = 1e-5;
  bool bias = false; // LayerNorm bias, or the bias Zonos' final RMS norm adds
};

struct WeightSpec {
  std::string name;  // exact checkpoint tensor name
  std::string role;  // family-independent, e.g. "attn.q_proj.weight"
  int64_t layer = -1; // -1 for embeddings, final norm, lm head
  std::vector<int64_t> shape;
  DType dtype = DType::F32;
  int64_t numel() const; // saturates at INT64_MAX
};

struct StateSpec {
  std::string name;  // "layers.3.k_cache"
  std::string kind;  // "k_cache", "v_cache", "conv_state", "ssm_state"
  int64_t layer = 0;
  DType dtype = DType::F32;
  std::vector<int64_t> shape; // per sequence
  bool perFrame = false;      // reset every frame (a depth transformer's
                              // cache), else carried for the sequence
  int64_t numel() const;      // saturates at INT64_MAX
  int64_t bytes() const;      // saturates at INT64_MAX
};

// Saturating element count of a shape.
int64_t numelOf(const std::vector<int64_t> &shape);

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_SPECTYPES_H
