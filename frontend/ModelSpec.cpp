//===- ModelSpec.cpp - Enum spellings and element counts ------------------===//
//
// What the spec's plain types need: their spellings and saturating element
// counts. Weights.cpp derives the tensors and state buffers, Validate.cpp
// checks a spec, WeightNames.cpp spells the checkpoint names.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelSpec.h"


namespace hybrid::frontend {

//===----------------------------------------------------------------------===//
// Enum spellings
//===----------------------------------------------------------------------===//

const char *toString(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::BF16: return "bf16";
  case DType::F16: return "f16";
  case DType::F64: return "f64";
  }
  return "?";
}

int64_t byteSize(DType t) {
  switch (t) {
  case DType::F32: return 4;
  case DType::BF16: return 2;
  case DType::F16: return 2;
  case DType::F64: return 8;
  }
  return 4;
}

std::optional<DType> parseDType(const std::string &s) {
  if (s == "f32" || s == "float32") return DType::F32;
  if (s == "bf16" || s == "bfloat16") return DType::BF16;
  if (s == "f16" || s == "float16") return DType::F16;
  if (s == "f64" || s == "float64") return DType::F64;
  return std::nullopt;
}

const char *toString(SourceFormat f) {
  switch (f) {
  case SourceFormat::Native: return "native";
  case SourceFormat::HF: return "hf";
  case SourceFormat::Zonos: return "zonos";
  case SourceFormat::Moshi: return "moshi";
  }
  return "?";
}

const char *toString(NormKind k) {
  switch (k) {
  case NormKind::None: return "none";
  case NormKind::RMS: return "rms";
  case NormKind::Layer: return "layer";
  }
  return "?";
}

const char *toString(Activation a) {
  switch (a) {
  case Activation::Silu: return "silu";
  case Activation::Gelu: return "gelu";
  case Activation::GeluTanh: return "gelu_tanh";
  case Activation::Relu: return "relu";
  case Activation::Relu2: return "relu2";
  }
  return "?";
}

const char *toString(FfnKind k) {
  switch (k) {
  case FfnKind::None: return "none";
  case FfnKind::Mlp: return "mlp";
  case FfnKind::GatedMlp: return "gated";
  case FfnKind::Moe: return "moe";
  }
  return "?";
}

const char *toString(RouterScoring s) {
  switch (s) {
  case RouterScoring::Softmax: return "softmax";
  case RouterScoring::Sigmoid: return "sigmoid";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Element counts
//===----------------------------------------------------------------------===//

static int64_t satMul(int64_t a, int64_t b) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r))
    return INT64_MAX;
  return r;
}

int64_t numelOf(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n = satMul(n, d);
  return n;
}

int64_t WeightSpec::numel() const { return numelOf(shape); }
int64_t StateSpec::numel() const { return numelOf(shape); }
int64_t StateSpec::bytes() const { return satMul(numel(), byteSize(dtype)); }

} // namespace hybrid::frontend
