//===- JsonFields.h - Typed JSON field access with one-line errors -*- C++ -*-===//
//
// Internal to the frontend readers. Every access names its field; a missing
// field, a wrong JSON type or a value out of range throws ConfigException,
// which the reader entry points turn into an Expected<ModelSpec> error.
// No nlohmann exception escapes: types are checked before values are read.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_FRONTEND_JSONFIELDS_H
#define HYBRIDC_FRONTEND_JSONFIELDS_H

#include "frontend/ConfigError.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hybrid::frontend::detail {

struct ConfigException {
  ConfigError error;
};

// Python's json.dumps writes Infinity, -Infinity and NaN (transformers 4
// did, e.g. "time_step_limit": [0.0, Infinity]); strict JSON parsers refuse
// them. This rewrites those bare tokens (outside strings) into marker strings
// that Fields::getDouble reads back as numbers. If `maxDepth` is given, it
// receives the deepest [ / { nesting of the text.
std::string sanitizePythonJson(const std::string &text, size_t *maxDepth = nullptr);

// Configs are shallow; deeper documents are refused before anything recurses
// over them (nlohmann's dump() and merge_patch() recurse per level).
constexpr size_t kMaxJsonDepth = 64;

// The nesting depth of a parsed document (a scalar is 0), computed without
// recursion; stops counting once it exceeds `limit`.
size_t jsonDepth(const nlohmann::json &value, size_t limit = kMaxJsonDepth);

// A short rendering of a value for "(got ...)": 4, "silu", null, [1,2],
// Infinity. Long values are cut at 48 characters.
std::string describe(const nlohmann::json &value);

// Largest integer any reader accepts: every product of two fields fits in
// int64, and ModelSpec::validate() bounds what is derived from them.
constexpr int64_t kMaxInt = int64_t(1) << 26;

class Fields {
public:
  // `object` must be a JSON object. `path` is the dotted prefix of its fields
  // in error messages ("" for the top level, "attn_cfg", "layers[3]").
  Fields(const nlohmann::json &object, std::string path, std::string file);

  const std::string &file() const { return file_; }

  // The full field name of `key` ("attn_cfg.num_heads").
  std::string field(const std::string &key) const;

  const nlohmann::json *find(const std::string &key) const; // nullptr if absent
  bool has(const std::string &key) const;      // present, null or not
  bool hasValue(const std::string &key) const; // present and not null

  [[noreturn]] void fail(const std::string &key, const std::string &expected,
                         const std::string &got) const;
  // got = the value at key, or "missing".
  [[noreturn]] void failValue(const std::string &key, const std::string &expected) const;

  // Integers: absent -> def; null -> error (use getOptInt where null means
  // "default", as Python's None does).
  int64_t getInt(const std::string &key, int64_t def, int64_t min = 1,
                 int64_t max = kMaxInt) const;
  int64_t requireInt(const std::string &key, int64_t min = 1, int64_t max = kMaxInt) const;
  std::optional<int64_t> getOptInt(const std::string &key, int64_t min = 1,
                                   int64_t max = kMaxInt) const;

  // Numbers (integer or float JSON). Infinity is refused unless allowInf.
  double getDouble(const std::string &key, double def, bool allowInf = false) const;
  std::optional<double> getOptDouble(const std::string &key, bool allowInf = false) const;

  bool getBool(const std::string &key, bool def) const;

  std::string getString(const std::string &key, const std::string &def) const;
  std::optional<std::string> getOptString(const std::string &key) const;
  std::string requireString(const std::string &key) const;

  // A nested object; absent or null -> an empty object.
  Fields getObject(const std::string &key) const;
  bool isObject(const std::string &key) const;

  // An array of numbers; absent or null -> std::nullopt.
  std::optional<std::vector<double>> getDoubleList(const std::string &key,
                                                   bool allowInf = false) const;
  // The array at key (must be an array); absent or null -> nullptr.
  const nlohmann::json *getArray(const std::string &key) const;

  // Fails on the first key not in `known` (for Python kwargs that raise
  // TypeError on unknown names).
  void rejectUnknown(const std::vector<std::string> &known, const std::string &expected) const;

  // Reads one element of an array with the same rules (field "key[i]").
  static int64_t intAt(const Fields &owner, const std::string &key, const nlohmann::json &v,
                       size_t i, int64_t min, int64_t max);
  static double doubleAt(const Fields &owner, const std::string &key, const nlohmann::json &v,
                         size_t i, bool allowInf);

private:
  int64_t toInt(const std::string &field, const nlohmann::json &v, int64_t min,
                int64_t max) const;
  double toDouble(const std::string &field, const nlohmann::json &v, bool allowInf) const;

  const nlohmann::json *object_;
  std::string path_;
  std::string file_;
};

[[noreturn]] void failAt(const std::string &file, const std::string &field,
                         const std::string &expected, const std::string &got);

// Joins strings: join({"a","b"}, ", ") -> "a, b".
std::string join(const std::vector<std::string> &items, const std::string &sep);

// %g-style rendering of a double ("1e-05", "0.5", "inf").
std::string formatDouble(double v);

} // namespace hybrid::frontend::detail

#endif // HYBRIDC_FRONTEND_JSONFIELDS_H
