//===- ConfigError.h - One-line config errors and Expected<T> ---*- C++ -*-===//
//
// Every bad model description leaves the frontend through a ConfigError: the
// file, the field (a dotted path such as `layers[3].attention.num_heads`), what
// was expected and what was found. `hybridc` prints message() and exits
// non-zero.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_CONFIGERROR_H
#define HYBRIDC_FRONTEND_CONFIGERROR_H

#include <string>
#include <utility>
#include <variant>

namespace hybrid::frontend {

struct ConfigError {
  std::string file;     // the config file as the user named it
  std::string field;    // dotted field path; empty when the whole file is wrong
  std::string expected; // what a valid config has there
  std::string got;      // what this config has there

  // `FILE: field 'X': expected Y (got Z)`, or `FILE: expected Y (got Z)` when
  // no single field is at fault. Always one line.
  std::string message() const;
};

// A value or the ConfigError that explains why there is none.
template <typename T> class Expected {
public:
  Expected(T value) : storage_(std::move(value)) {}
  Expected(ConfigError error) : storage_(std::move(error)) {}

  explicit operator bool() const { return storage_.index() == 0; }
  bool ok() const { return storage_.index() == 0; }

  T &value() { return std::get<0>(storage_); }
  const T &value() const { return std::get<0>(storage_); }
  T &operator*() { return value(); }
  const T &operator*() const { return value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }

  const ConfigError &error() const { return std::get<1>(storage_); }

private:
  std::variant<T, ConfigError> storage_;
};

} // namespace hybrid::frontend

#endif // HYBRIDC_FRONTEND_CONFIGERROR_H
