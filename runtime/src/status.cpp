//===- status.cpp - hyb_status_t ------------------------------------------===//

#include "runtime/src/status.h"

#include <new>
#include <string_view>

namespace hyb {

static hyb_status kOutOfMemory{HYB_STATUS_OUT_OF_MEMORY, "out of memory", true};

hyb_status_t outOfMemoryStatus() { return &kOutOfMemory; }

hyb_status_t makeStatus(hyb_status_code_t code, std::string message) {
  try {
    return new hyb_status{code, std::move(message), false};
  } catch (...) {
    return &kOutOfMemory;
  }
}

hyb_status_t annotate(hyb_status_t status, const std::string &prefix) {
  if (!status || status->isStatic)
    return status;
  status->message = prefix + ": " + status->message;
  return status;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace {

/// The length of the valid UTF-8 sequence at the start of |s|, or 0.
size_t utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto continuation = [&](size_t i) {
    return i < s.size() && (byte(i) & 0xC0) == 0x80;
  };
  unsigned char b = byte(0);
  size_t n = b >= 0xC2 && b <= 0xDF   ? 2
             : b >= 0xE0 && b <= 0xEF ? 3
             : b >= 0xF0 && b <= 0xF4 ? 4
                                      : 0;
  for (size_t i = 1; i < n; ++i)
    if (!continuation(i))
      return 0;
  if (n == 3 && ((b == 0xE0 && byte(1) < 0xA0) || // overlong
                 (b == 0xED && byte(1) >= 0xA0))) // UTF-16 surrogate
    return 0;
  if (n == 4 && ((b == 0xF0 && byte(1) < 0x90) || // overlong
                 (b == 0xF4 && byte(1) >= 0x90))) // past U+10FFFF
    return 0;
  return n;
}

} // namespace

std::string printable(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    unsigned char b = static_cast<unsigned char>(bytes[i]);
    if (b == '\\') {
      out += "\\\\";
      ++i;
    } else if (b >= 0x20 && b < 0x7F) {
      out += char(b);
      ++i;
    } else if (size_t n = b >= 0x80 ? utf8SequenceLength(bytes.substr(i)) : 0) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      ++i;
    }
  }
  return out;
}

} // namespace hyb

extern "C" {

hyb_status_code_t hyb_status_code(hyb_status_t status) {
  return status ? status->code : HYB_STATUS_OK;
}

const char *hyb_status_message(hyb_status_t status) {
  return status ? status->message.c_str() : "OK";
}

void hyb_status_free(hyb_status_t status) {
  if (status && !status->isStatic)
    delete status;
}

const char *hyb_status_code_name(hyb_status_code_t code) {
  switch (code) {
  case HYB_STATUS_OK: return "OK";
  case HYB_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
  case HYB_STATUS_NOT_FOUND: return "NOT_FOUND";
  case HYB_STATUS_IO_ERROR: return "IO_ERROR";
  case HYB_STATUS_INVALID_FORMAT: return "INVALID_FORMAT";
  case HYB_STATUS_MISMATCH: return "MISMATCH";
  case HYB_STATUS_OUT_OF_RANGE: return "OUT_OF_RANGE";
  case HYB_STATUS_UNIMPLEMENTED: return "UNIMPLEMENTED";
  case HYB_STATUS_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
  case HYB_STATUS_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
  case HYB_STATUS_INTERNAL: return "INTERNAL";
  }
  return "UNKNOWN";
}

} // extern "C"
