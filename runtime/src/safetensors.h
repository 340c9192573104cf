//===- safetensors.h - safetensors parsing and mapping ----------*- C++ -*-===//
//
// The format: an 8-byte little-endian header length N, N bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}),
// then the data buffer; offsets are relative to the buffer's start.
// parseSafetensors() validates everything before any tensor is touched.
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_SAFETENSORS_H
#define HYBRIDRT_SAFETENSORS_H

#include "runtime/src/dtype.h"
#include "runtime/src/status.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hyb {

/// Largest accepted JSON header: anything bigger is treated as corrupt.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull * 1024 * 1024;

struct SafetensorsTensor {
  std::string name;
  StDtype dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0; // relative to the data buffer
  const uint8_t *data = nullptr; // points into the parsed buffer
  uint64_t numBytes() const { return end - begin; }
};

struct SafetensorsFile {
  std::string source; // file name (for messages)
  std::vector<SafetensorsTensor> tensors; // in header order
  std::map<std::string, std::string> metadata;
  std::unordered_map<std::string, size_t> byName;
  uint64_t dataOffset = 0; // 8 + N

  const SafetensorsTensor *find(const std::string &name) const;
};

/// Parses and validates a whole safetensors file held in [data, data+size).
/// |source| names it in messages. Tensors point into |data|.
hyb_status_t parseSafetensors(const uint8_t *data, uint64_t size,
                              const std::string &source, SafetensorsFile *out);

/// A read-only private mapping of a whole file.
class MappedFile {
public:
  static hyb_status_t open(const std::string &path,
                           std::shared_ptr<MappedFile> *out);
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  const uint8_t *data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string &path() const { return path_; }

private:
  MappedFile() = default;
  std::string path_;
  const uint8_t *data_ = nullptr;
  uint64_t size_ = 0;
  bool mapped_ = false;
};

/// A mapped, parsed safetensors file.
struct MappedSafetensors {
  std::shared_ptr<MappedFile> map;
  SafetensorsFile file;
};

hyb_status_t openSafetensors(const std::string &path,
                             std::shared_ptr<MappedSafetensors> *out);

/// Serializes tensors into safetensors bytes (used by tools and tests).
struct SafetensorsWriteTensor {
  std::string name;
  StDtype dtype;
  std::vector<int64_t> shape;
  const void *data;
  uint64_t numBytes;
};
std::string writeSafetensors(const std::vector<SafetensorsWriteTensor> &tensors,
                             const std::map<std::string, std::string> &metadata = {});

} // namespace hyb

#endif // HYBRIDRT_SAFETENSORS_H
