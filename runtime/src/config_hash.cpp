//===- config_hash.cpp - The identity of the config an artifact came from -===//

#include "runtime/src/config_hash.h"
#include "runtime/src/files.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace hyb {

namespace {

// (hybridc's own copy once had 1469598103934665603, the basis with its last
// digit lost: not FNV-1a. The published test vectors hold this one.)
constexpr uint64_t kOffsetBasis = 14695981039346656037ull; // 0xcbf29ce484222325
constexpr uint64_t kPrime = 1099511628211ull;
constexpr std::string_view kPrefix = "fnv1a64:";

uint64_t update(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= kPrime;
  }
  return h;
}

} // namespace

ConfigHash ConfigHash::ofBytes(const void *data, size_t size) {
  return ConfigHash(
      update(kOffsetBasis, static_cast<const unsigned char *>(data), size));
}

hyb_status_t ConfigHash::ofFile(const std::string &path, ConfigHash *out) {
  int fd = -1;
  uint64_t size = 0;
  HYB_RETURN_IF_ERROR(openRegularFile(path, &fd, &size));
  uint64_t h = kOffsetBasis;
  unsigned char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return error(HYB_STATUS_IO_ERROR, path, ": cannot read: ",
                   std::strerror(e));
    }
    if (n == 0)
      break;
    h = update(h, buffer, size_t(n));
  }
  ::close(fd);
  *out = ConfigHash(h);
  return nullptr;
}

std::optional<ConfigHash> ConfigHash::parse(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix)
    return std::nullopt;
  std::string_view digits = text.substr(kPrefix.size());
  if (digits.empty() || digits.size() > 16)
    return std::nullopt;
  uint64_t v = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return std::nullopt;
    v = (v << 4) | uint64_t(d);
  }
  return ConfigHash(v);
}

std::string ConfigHash::str() const {
  static const char kHex[] = "0123456789abcdef";
  std::string s(kPrefix);
  for (int shift = 60; shift >= 0; shift -= 4)
    s.push_back(kHex[(value_ >> shift) & 0xf]);
  return s;
}

} // namespace hyb
