//===- SpecCheck.h - The checks of ModelSpec::validate() --------*- C++ -*-===//
//
// Internal to the frontend. validate() (Validate.cpp) and each mixer kind's
// own validation (mixers/*.cpp) fail through one SpecChecker, so every
// message has the same shape: the field by its path in the native schema
// (`layers[3].attention.num_kv_heads`), what was expected, what was found.
// The first failure ends validation: it throws SpecInvalid, which validate()
// turns into its ConfigError.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_SPECCHECK_H
#define HYBRIDC_FRONTEND_SPECCHECK_H

#include "frontend/ModelSpec.h"

#include <cmath>
#include <sstream>
#include <string>

namespace hybrid::frontend::detail {

// Dimensions beyond this are refused: no real model comes close, and it keeps
// every element count and FLOP estimate far from overflow.
constexpr int64_t kMaxDim = int64_t(1) << 26;

struct SpecInvalid {
  ConfigError error;
};

class SpecChecker {
public:
  explicit SpecChecker(std::string file) : file(std::move(file)) {}

  [[noreturn]] void fail(const std::string &field, const std::string &expected,
                         const std::string &got) const {
    throw SpecInvalid{{file, field, expected, got}};
  }

  static std::string str(int64_t v) { return std::to_string(v); }
  static std::string str(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  }

  void dim(const std::string &field, int64_t v, int64_t min = 1, int64_t max = kMaxDim) const {
    if (v < min || v > max)
      fail(field, "an integer in [" + str(min) + ", " + str(max) + "]", str(v));
  }
  void finite(const std::string &field, double v) const {
    if (!std::isfinite(v))
      fail(field, "a finite number", str(v));
  }
  void positive(const std::string &field, double v) const {
    if (!std::isfinite(v) || v <= 0)
      fail(field, "a positive number", str(v));
  }
  void divides(const std::string &field, int64_t d, const std::string &what, int64_t n) const {
    if (d <= 0 || n % d != 0)
      fail(field, "a divisor of " + what + " (" + str(n) + ")", str(d));
  }

private:
  std::string file;
};

} // namespace hybrid::frontend::detail

#endif // HYBRIDC_FRONTEND_SPECCHECK_H
