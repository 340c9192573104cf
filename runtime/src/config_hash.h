//===- config_hash.h - The identity of the config an artifact came from -*- C++ -*-===//
//
// hybridc writes the hash of the config it compiled into the manifest
// (`model.config_hash`); the runtime compares it with the `config.json` of a
// weights directory before binding it, so that a checkpoint of another model
// whose tensors happen to have the same names and shapes (a llama artifact
// with a mistral directory: another rope theta, another window) is refused
// instead of giving wrong numbers. Both sides call this one function.
//
// The hash is FNV-1a 64 of the config file's bytes, spelled
// "fnv1a64:<16 hex digits>". Bytes, not meaning: the same model's config
// re-saved with other whitespace or an extra field hashes differently, which
// is why the runtime's check can be skipped on request (docs/Runtime.md).
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_CONFIG_HASH_H
#define HYBRIDRT_CONFIG_HASH_H

#include "runtime/src/status.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hyb {

class ConfigHash {
public:
  /// The name of a checkpoint directory's config file.
  static constexpr const char *kFileName = "config.json";

  /// The hash of |size| bytes at |data|.
  static ConfigHash ofBytes(const void *data, size_t size);
  /// The hash of the regular file at |path| (never blocks on a FIFO).
  static hyb_status_t ofFile(const std::string &path, ConfigHash *out);
  /// "fnv1a64:" and 1 to 16 hex digits; nullopt for anything else.
  static std::optional<ConfigHash> parse(std::string_view text);

  /// "fnv1a64:" and 16 lowercase hex digits.
  std::string str() const;
  uint64_t value() const { return value_; }

  bool operator==(const ConfigHash &o) const { return value_ == o.value_; }
  bool operator!=(const ConfigHash &o) const { return value_ != o.value_; }

private:
  explicit ConfigHash(uint64_t value) : value_(value) {}
  uint64_t value_;
};

} // namespace hyb

#endif // HYBRIDRT_CONFIG_HASH_H
