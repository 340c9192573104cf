//===- tensor_io.cpp - hybrid-run's safetensors inputs and outputs --------===//

#include "tensor_io.h"
#include "hybrid-run.h"

#include "runtime/src/files.h"
#include "runtime/src/safetensors.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>

namespace hybrid_run {

using json = nlohmann::json;

namespace {

struct DtypeName {
  const char *st;
  hyb_dtype_t dtype;
};
constexpr DtypeName kDtypes[] = {{"F32", HYB_DTYPE_F32},
                                 {"BF16", HYB_DTYPE_BF16},
                                 {"F16", HYB_DTYPE_F16},
                                 {"I64", HYB_DTYPE_I64},
                                 {"I32", HYB_DTYPE_I32}};

} // namespace

HostTensor zeroTensor(const char *name, hyb_dtype_t dtype,
                      std::vector<int64_t> shape) {
  HostTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  uint64_t n = 1;
  for (int64_t d : t.shape)
    n *= uint64_t(d);
  t.data.assign(size_t(n * hyb_dtype_size(dtype)), 0);
  return t;
}

hyb_tensor_t HostTensor::view() {
  hyb_tensor_t t = {};
  t.name = name.c_str();
  t.dtype = dtype;
  t.rank = int32_t(shape.size());
  for (size_t i = 0; i < shape.size() && i < HYB_MAX_RANK; ++i)
    t.shape[i] = shape[i];
  t.data = data.data();
  return t;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::vector<HostTensor> readTensors(const std::string &path) {
  // MappedFile: a FIFO or device is refused instead of blocking the read.
  std::shared_ptr<hyb::MappedFile> map;
  check(hyb::MappedFile::open(path, &map));
  std::string bytes;
  if (map->size())
    bytes.assign(reinterpret_cast<const char *>(map->data()), map->size());
  if (bytes.size() < 8)
    fail(path + ": not a safetensors file (" + std::to_string(bytes.size()) +
         " bytes)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | uint8_t(bytes[size_t(i)]);
  if (n > bytes.size() - 8)
    fail(path + ": header length " + std::to_string(n) + " exceeds the file");
  json header;
  try {
    header = json::parse(bytes.substr(8, size_t(n)));
  } catch (const json::exception &e) {
    fail(path + ": header is not valid JSON: " + hyb::printable(e.what()));
  }
  if (!header.is_object())
    fail(path + ": header is not a JSON object");
  const uint64_t base = 8 + n, dataBytes = bytes.size() - base;
  std::vector<HostTensor> out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__")
      continue;
    const json &v = it.value();
    std::string where = path + ": tensor '" + hyb::printable(it.key()) + "'";
    HostTensor t;
    t.name = it.key();
    try {
      std::string dtype = v.at("dtype").get<std::string>();
      bool known = false;
      for (const auto &d : kDtypes)
        if (dtype == d.st) {
          t.dtype = d.dtype;
          known = true;
        }
      if (!known)
        fail(where + ": dtype " + hyb::printable(dtype) +
             " (expected F32, BF16, F16, I64 or I32)");
      uint64_t numel = 1;
      for (const json &d : v.at("shape")) {
        int64_t dim = d.get<int64_t>();
        if (dim < 0)
          fail(where + ": negative dim");
        t.shape.push_back(dim);
        numel *= uint64_t(dim);
      }
      uint64_t begin = v.at("data_offsets").at(0).get<uint64_t>();
      uint64_t end = v.at("data_offsets").at(1).get<uint64_t>();
      if (end < begin || end > dataBytes ||
          end - begin != numel * hyb_dtype_size(t.dtype))
        fail(where + ": data_offsets do not match its shape and dtype, or "
             "run past the file");
      t.data.assign(bytes.begin() + long(base + begin),
                    bytes.begin() + long(base + end));
    } catch (const json::exception &e) {
      fail(where + ": " + hyb::printable(e.what()));
    }
    out.push_back(std::move(t));
  }
  return out;
}

void writeTensors(const std::string &path,
                  const std::vector<HostTensor> &tensors) {
  json header = json::object();
  uint64_t offset = 0;
  for (const HostTensor &t : tensors) {
    const char *st = "F32";
    for (const auto &d : kDtypes)
      if (d.dtype == t.dtype)
        st = d.st;
    header[t.name] = {{"dtype", st},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0)
    text.push_back(' ');
  // replaceFile: a failed or interrupted write leaves the old file (or
  // none), never a truncated one that a later run would misread.
  hyb_status_t status = hyb::replaceFile(path, [&](FILE *f) -> hyb_status_t {
    unsigned char len[8];
    for (int i = 0; i < 8; ++i)
      len[i] = (uint64_t(text.size()) >> (8 * i)) & 0xff;
    std::fwrite(len, 1, 8, f);
    std::fwrite(text.data(), 1, text.size(), f);
    for (const HostTensor &t : tensors)
      std::fwrite(t.data.data(), 1, t.data.size(), f);
    return nullptr;
  });
  check(status);
}

} // namespace hybrid_run
