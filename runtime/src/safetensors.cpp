//===- safetensors.cpp - safetensors parsing and mapping ------------------===//

#include "runtime/src/json_describe.h"
#include "runtime/src/safetensors.h"
#include "runtime/src/files.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hyb {

using json = nlohmann::json;

const SafetensorsTensor *SafetensorsFile::find(const std::string &name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &tensors[it->second];
}

namespace {

std::string describe(const json &v) { return describeJson(v, 40); }

/// Reads a JSON integer that must be >= 0 and fit int64.
bool readNonNegative(const json &v, uint64_t *out) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > uint64_t(std::numeric_limits<int64_t>::max()))
      return false;
    *out = u;
    return true;
  }
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i < 0)
      return false;
    *out = uint64_t(i);
    return true;
  }
  return false;
}


} // namespace

hyb_status_t parseSafetensors(const uint8_t *data, uint64_t size,
                              const std::string &source, SafetensorsFile *out) {
  auto fail = [&](const auto &...parts) {
    return error(HYB_STATUS_INVALID_FORMAT, source, ": ", parts...);
  };
  if (size < 8)
    return fail("file is ", size,
                " bytes, too small for the 8-byte header length");
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | data[i];
  if (headerLen > kMaxSafetensorsHeaderBytes)
    return fail("header length ", headerLen, " is larger than the ",
                kMaxSafetensorsHeaderBytes, "-byte limit (corrupt file?)");
  if (headerLen > size - 8)
    return fail("header length ", headerLen, " exceeds the ", size - 8,
                " bytes that follow it (truncated or not a safetensors file)");
  if (headerLen < 2)
    return fail("header length ", headerLen,
                " is too small for a JSON object");

  // Parse, detecting duplicate keys (nlohmann keeps the last one silently).
  std::vector<std::set<std::string>> keyStack;
  std::string duplicateKey;
  size_t duplicateDepth = 0;
  auto callback = [&](int, json::parse_event_t event, json &parsed) {
    switch (event) {
    case json::parse_event_t::object_start:
      keyStack.emplace_back();
      break;
    case json::parse_event_t::object_end:
      if (!keyStack.empty())
        keyStack.pop_back();
      break;
    case json::parse_event_t::key:
      if (!keyStack.empty() && parsed.is_string() &&
          !keyStack.back().insert(parsed.get<std::string>()).second &&
          duplicateKey.empty()) {
        duplicateKey = parsed.get<std::string>();
        duplicateDepth = keyStack.size();
      }
      break;
    default:
      break;
    }
    return true;
  };
  const char *headerBegin = reinterpret_cast<const char *>(data + 8);
  json header;
  try {
    header = json::parse(headerBegin, headerBegin + headerLen, callback);
  } catch (const json::exception &e) {
    return fail("JSON header does not parse: ", printable(e.what()));
  }
  if (!duplicateKey.empty()) {
    if (duplicateDepth == 1)
      return fail("duplicate tensor name '", printable(duplicateKey),
                  "' in the header");
    return fail("duplicate key '", printable(duplicateKey),
                "' in the JSON header");
  }
  if (!header.is_object())
    return fail("JSON header must be an object, got ", describe(header));

  SafetensorsFile result;
  result.source = source;
  result.dataOffset = 8 + headerLen;
  const uint64_t dataSize = size - result.dataOffset;
  const uint8_t *dataBuffer = data + result.dataOffset;

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string &name = it.key();
    const json &entry = it.value();
    if (name == "__metadata__") {
      if (!entry.is_object())
        return fail("'__metadata__' must be an object of strings, got ",
                    describe(entry));
      for (auto m = entry.begin(); m != entry.end(); ++m) {
        if (!m.value().is_string())
          return fail("'__metadata__' value of '", printable(m.key()),
                      "' must be a string, got ", describe(m.value()));
        result.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    auto tfail = [&](const auto &...parts) {
      return fail("tensor '", printable(name), "': ", parts...);
    };
    if (name.empty())
      return fail("empty tensor name in the header");
    if (!entry.is_object())
      return tfail("entry must be an object, got ", describe(entry));
    SafetensorsTensor t;
    t.name = name;

    auto dt = entry.find("dtype");
    if (dt == entry.end())
      return tfail("missing field 'dtype'");
    if (!dt->is_string())
      return tfail("field 'dtype' must be a string, got ", describe(*dt));
    if (!parseStDtype(dt->get<std::string>(), &t.dtype))
      return tfail("unknown dtype '", printable(dt->get<std::string>()), "'");

    auto sh = entry.find("shape");
    if (sh == entry.end())
      return tfail("missing field 'shape'");
    if (!sh->is_array())
      return tfail("field 'shape' must be an array, got ", describe(*sh));
    uint64_t numel = 1;
    bool overflow = false;
    for (size_t i = 0; i < sh->size(); ++i) {
      const json &d = (*sh)[i];
      uint64_t dim = 0;
      if (!d.is_number_integer())
        return tfail("shape[", i, "] must be an integer, got ", describe(d));
      if (!readNonNegative(d, &dim))
        return tfail("shape[", i, "] = ", describe(d),
                     " is negative or too large");
      t.shape.push_back(int64_t(dim));
      if (!overflow && __builtin_mul_overflow(numel, dim, &numel))
        overflow = true;
    }
    uint64_t expectedBytes = 0;
    if (overflow || __builtin_mul_overflow(numel, uint64_t(stDtypeSize(t.dtype)),
                                           &expectedBytes) ||
        expectedBytes > uint64_t(std::numeric_limits<int64_t>::max()))
      return tfail("shape ", formatShape(t.shape),
                   " overflows: its byte size does not fit 64 bits");

    auto off = entry.find("data_offsets");
    if (off == entry.end())
      return tfail("missing field 'data_offsets'");
    if (!off->is_array() || off->size() != 2)
      return tfail("field 'data_offsets' must be [begin, end], got ",
                   describe(*off));
    if (!(*off)[0].is_number_integer() || !(*off)[1].is_number_integer() ||
        !readNonNegative((*off)[0], &t.begin) ||
        !readNonNegative((*off)[1], &t.end))
      return tfail("field 'data_offsets' must hold two non-negative integers, "
                   "got ",
                   describe(*off));
    if (t.end < t.begin)
      return tfail("data_offsets end ", t.end, " < begin ", t.begin);
    if (t.end > dataSize)
      return tfail("data_offsets [", t.begin, ", ", t.end,
                   "] out of range: the data buffer has ", dataSize,
                   " bytes (truncated file?)");
    if (t.end - t.begin != expectedBytes)
      return tfail("data_offsets span ", t.end - t.begin, " bytes but ",
                   stDtypeName(t.dtype), " ", formatShape(t.shape), " needs ",
                   expectedBytes, " bytes");
    t.data = dataBuffer + t.begin;
    result.byName.emplace(name, result.tensors.size());
    result.tensors.push_back(std::move(t));
  }

  // Overlaps: sort the non-empty tensors by begin; each must start at or
  // after the furthest end seen so far.
  std::vector<const SafetensorsTensor *> order;
  for (const auto &t : result.tensors)
    if (t.numBytes() > 0)
      order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto *a, auto *b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  const SafetensorsTensor *furthest = nullptr;
  for (const SafetensorsTensor *t : order) {
    if (furthest && t->begin < furthest->end)
      return fail("tensors '", printable(furthest->name), "' [",
                  furthest->begin, ", ", furthest->end, ") and '",
                  printable(t->name), "' [", t->begin, ", ", t->end,
                  ") overlap");
    if (!furthest || t->end > furthest->end)
      furthest = t;
  }
  *out = std::move(result);
  return nullptr;
}

hyb_status_t MappedFile::open(const std::string &path,
                              std::shared_ptr<MappedFile> *out) {
  int fd;
  uint64_t size;
  HYB_RETURN_IF_ERROR(openRegularFile(path, &fd, &size));
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  file->size_ = size;
  if (file->size_ > 0) {
    void *p = mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return error(HYB_STATUS_IO_ERROR, path, ": mmap of ", file->size_,
                   " bytes failed: ", std::strerror(e));
    }
    file->data_ = static_cast<const uint8_t *>(p);
    file->mapped_ = true;
  }
  ::close(fd);
  *out = std::move(file);
  return nullptr;
}

MappedFile::~MappedFile() {
  if (mapped_)
    munmap(const_cast<uint8_t *>(data_), size_);
}

hyb_status_t openSafetensors(const std::string &path,
                             std::shared_ptr<MappedSafetensors> *out) {
  auto result = std::make_shared<MappedSafetensors>();
  HYB_RETURN_IF_ERROR(MappedFile::open(path, &result->map));
  static const uint8_t kEmpty[1] = {0};
  const uint8_t *data = result->map->size() ? result->map->data() : kEmpty;
  HYB_RETURN_IF_ERROR(
      parseSafetensors(data, result->map->size(), path, &result->file));
  *out = std::move(result);
  return nullptr;
}

std::string writeSafetensors(const std::vector<SafetensorsWriteTensor> &tensors,
                             const std::map<std::string, std::string> &metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto &t : tensors) {
    header[t.name] = {{"dtype", stDtypeName(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.numBytes}}};
    offset += t.numBytes;
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0)
    text.push_back(' ');
  std::string out;
  out.reserve(8 + text.size() + offset);
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(char((n >> (8 * i)) & 0xff));
  out += text;
  for (const auto &t : tensors)
    out.append(static_cast<const char *>(t.data), t.numBytes);
  return out;
}

} // namespace hyb
