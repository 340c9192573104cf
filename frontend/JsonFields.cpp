//===- JsonFields.cpp - Typed JSON field access with one-line errors -----===//

#include "frontend/JsonFields.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace hybrid::frontend {

std::string ConfigError::message() const {
  std::string m = file + ": ";
  if (!field.empty())
    m += "field '" + field + "': ";
  m += "expected " + expected + " (got " + got + ")";
  // One line, whatever the parts contain.
  for (char &c : m)
    if (c == '\n' || c == '\r')
      c = ' ';
  return m;
}

namespace detail {

namespace {
const char *const kPosInf = "\x01hybridc:Infinity";
const char *const kNegInf = "\x01hybridc:-Infinity";
const char *const kNaN = "\x01hybridc:NaN";

const nlohmann::json &emptyObject() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}
} // namespace

std::string sanitizePythonJson(const std::string &text, size_t *maxDepth) {
  std::string out;
  out.reserve(text.size());
  bool inString = false;
  size_t depth = 0, deepest = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!inString && (c == '[' || c == '{'))
      deepest = std::max(deepest, ++depth);
    else if (!inString && (c == ']' || c == '}') && depth > 0)
      --depth;
    if (inString) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
      out += c;
      continue;
    }
    auto at = [&](const char *word) { return text.compare(i, std::strlen(word), word) == 0; };
    // The markers start with U+0001, written as the JSON escape \u0001.
    auto marker = [&](const char *value, const char *word) {
      out += std::string("\"\\u0001") + (value + 1) + "\"";
      i += std::strlen(word) - 1;
    };
    if (at("-Infinity"))
      marker(kNegInf, "-Infinity");
    else if (at("Infinity"))
      marker(kPosInf, "Infinity");
    else if (at("NaN"))
      marker(kNaN, "NaN");
    else
      out += c;
  }
  if (maxDepth)
    *maxDepth = deepest;
  return out;
}

size_t jsonDepth(const nlohmann::json &value, size_t limit) {
  std::vector<std::pair<const nlohmann::json *, size_t>> stack{{&value, 0}};
  size_t deepest = 0;
  while (!stack.empty()) {
    auto [v, depth] = stack.back();
    stack.pop_back();
    if (!v->is_structured())
      continue;
    deepest = std::max(deepest, depth + 1);
    if (deepest > limit)
      return deepest;
    for (const nlohmann::json &child : *v)
      stack.push_back({&child, depth + 1});
  }
  return deepest;
}

// A non-finite number: one of our markers, or transformers 5's encoding
// {"__float__": "Infinity" | "-Infinity" | "NaN"} (e.g. in time_step_limit).
static std::optional<double> markerValue(const nlohmann::json &v) {
  const nlohmann::json *str = &v;
  bool wrapped = false;
  if (v.is_object() && v.size() == 1) {
    auto it = v.find("__float__");
    if (it == v.end())
      return std::nullopt;
    str = &*it;
    wrapped = true;
  }
  if (!str->is_string())
    return std::nullopt;
  const std::string &s = str->get_ref<const std::string &>();
  if (s == kPosInf || (wrapped && s == "Infinity"))
    return std::numeric_limits<double>::infinity();
  if (s == kNegInf || (wrapped && s == "-Infinity"))
    return -std::numeric_limits<double>::infinity();
  if (s == kNaN || (wrapped && s == "NaN"))
    return std::numeric_limits<double>::quiet_NaN();
  return std::nullopt;
}

std::string formatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

std::string describe(const nlohmann::json &value) {
  if (auto m = markerValue(value))
    return formatDouble(*m);
  std::string s;
  if (value.is_number_float())
    s = formatDouble(value.get<double>());
  else
    s = value.dump(-1, ' ', /*ensure_ascii=*/true,
                   nlohmann::json::error_handler_t::replace);
  if (s.size() > 48)
    s = s.substr(0, 45) + "...";
  return s;
}

std::string join(const std::vector<std::string> &items, const std::string &sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i)
      out += sep;
    out += items[i];
  }
  return out;
}

void failAt(const std::string &file, const std::string &field, const std::string &expected,
            const std::string &got) {
  throw ConfigException{{file, field, expected, got}};
}

Fields::Fields(const nlohmann::json &object, std::string path, std::string file)
    : object_(object.is_object() ? &object : &emptyObject()), path_(std::move(path)),
      file_(std::move(file)) {}

std::string Fields::field(const std::string &key) const {
  return path_.empty() ? key : path_ + "." + key;
}

const nlohmann::json *Fields::find(const std::string &key) const {
  auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

bool Fields::has(const std::string &key) const { return find(key) != nullptr; }

bool Fields::hasValue(const std::string &key) const {
  const nlohmann::json *v = find(key);
  return v && !v->is_null();
}

void Fields::fail(const std::string &key, const std::string &expected,
                  const std::string &got) const {
  failAt(file_, field(key), expected, got);
}

void Fields::failValue(const std::string &key, const std::string &expected) const {
  const nlohmann::json *v = find(key);
  fail(key, expected, v ? describe(*v) : "missing");
}

static std::string rangeText(int64_t min, int64_t max) {
  if (min == 1 && max == kMaxInt)
    return "a positive integer";
  if (min == 0 && max == kMaxInt)
    return "a non-negative integer";
  return "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

int64_t Fields::toInt(const std::string &fieldName, const nlohmann::json &v, int64_t min,
                      int64_t max) const {
  int64_t x;
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > uint64_t(max))
      failAt(file_, fieldName, rangeText(min, max), describe(v));
    x = int64_t(u);
  } else if (v.is_number_integer()) {
    x = v.get<int64_t>();
  } else {
    failAt(file_, fieldName, rangeText(min, max), describe(v));
  }
  if (x < min || x > max)
    failAt(file_, fieldName, rangeText(min, max), describe(v));
  return x;
}

double Fields::toDouble(const std::string &fieldName, const nlohmann::json &v,
                        bool allowInf) const {
  double x;
  if (auto m = markerValue(v))
    x = *m;
  else if (v.is_number())
    x = v.get<double>();
  else
    failAt(file_, fieldName, allowInf ? "a number" : "a finite number", describe(v));
  if (std::isnan(x) || (!allowInf && std::isinf(x)))
    failAt(file_, fieldName, allowInf ? "a number" : "a finite number", describe(v));
  return x;
}

int64_t Fields::intAt(const Fields &owner, const std::string &key, const nlohmann::json &v,
                      size_t i, int64_t min, int64_t max) {
  return owner.toInt(owner.field(key) + "[" + std::to_string(i) + "]", v, min, max);
}

double Fields::doubleAt(const Fields &owner, const std::string &key, const nlohmann::json &v,
                        size_t i, bool allowInf) {
  return owner.toDouble(owner.field(key) + "[" + std::to_string(i) + "]", v, allowInf);
}

int64_t Fields::getInt(const std::string &key, int64_t def, int64_t min, int64_t max) const {
  const nlohmann::json *v = find(key);
  if (!v)
    return def;
  return toInt(field(key), *v, min, max);
}

int64_t Fields::requireInt(const std::string &key, int64_t min, int64_t max) const {
  const nlohmann::json *v = find(key);
  if (!v)
    fail(key, rangeText(min, max), "missing");
  return toInt(field(key), *v, min, max);
}

std::optional<int64_t> Fields::getOptInt(const std::string &key, int64_t min,
                                         int64_t max) const {
  const nlohmann::json *v = find(key);
  if (!v || v->is_null())
    return std::nullopt;
  return toInt(field(key), *v, min, max);
}

double Fields::getDouble(const std::string &key, double def, bool allowInf) const {
  const nlohmann::json *v = find(key);
  if (!v)
    return def;
  return toDouble(field(key), *v, allowInf);
}

std::optional<double> Fields::getOptDouble(const std::string &key, bool allowInf) const {
  const nlohmann::json *v = find(key);
  if (!v || v->is_null())
    return std::nullopt;
  return toDouble(field(key), *v, allowInf);
}

bool Fields::getBool(const std::string &key, bool def) const {
  const nlohmann::json *v = find(key);
  if (!v)
    return def;
  if (!v->is_boolean())
    fail(key, "true or false", describe(*v));
  return v->get<bool>();
}

std::string Fields::getString(const std::string &key, const std::string &def) const {
  const nlohmann::json *v = find(key);
  if (!v)
    return def;
  if (!v->is_string() || markerValue(*v))
    fail(key, "a string", describe(*v));
  return v->get<std::string>();
}

std::optional<std::string> Fields::getOptString(const std::string &key) const {
  const nlohmann::json *v = find(key);
  if (!v || v->is_null())
    return std::nullopt;
  if (!v->is_string() || markerValue(*v))
    fail(key, "a string", describe(*v));
  return v->get<std::string>();
}

std::string Fields::requireString(const std::string &key) const {
  const nlohmann::json *v = find(key);
  if (!v)
    fail(key, "a string", "missing");
  if (!v->is_string() || markerValue(*v))
    fail(key, "a string", describe(*v));
  return v->get<std::string>();
}

bool Fields::isObject(const std::string &key) const {
  const nlohmann::json *v = find(key);
  return v && v->is_object();
}

Fields Fields::getObject(const std::string &key) const {
  const nlohmann::json *v = find(key);
  if (!v || v->is_null())
    return Fields(emptyObject(), field(key), file_);
  if (!v->is_object())
    fail(key, "an object", describe(*v));
  return Fields(*v, field(key), file_);
}

const nlohmann::json *Fields::getArray(const std::string &key) const {
  const nlohmann::json *v = find(key);
  if (!v || v->is_null())
    return nullptr;
  if (!v->is_array())
    fail(key, "an array", describe(*v));
  return v;
}

std::optional<std::vector<double>> Fields::getDoubleList(const std::string &key,
                                                         bool allowInf) const {
  const nlohmann::json *a = getArray(key);
  if (!a)
    return std::nullopt;
  std::vector<double> out;
  for (size_t i = 0; i < a->size(); ++i)
    out.push_back(doubleAt(*this, key, (*a)[i], i, allowInf));
  return out;
}

void Fields::rejectUnknown(const std::vector<std::string> &known,
                           const std::string &expected) const {
  for (auto it = object_->begin(); it != object_->end(); ++it) {
    bool ok = false;
    for (const std::string &k : known)
      ok |= k == it.key();
    if (!ok)
      failAt(file_, field(it.key()), expected, "an unknown key");
  }
}

} // namespace detail
} // namespace hybrid::frontend
