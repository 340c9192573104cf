//===- SafetensorsFuzzer.cpp - libFuzzer target for the parser ------------===//
//
// Parses the input as a whole safetensors file. On success every tensor must
// lie inside the input (ASan checks the reads), float tensors are converted,
// and writing the tensors back then parsing again must give the same tensors.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/safetensors.h"

#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hyb::SafetensorsFile file;
  hyb_status_t status = hyb::parseSafetensors(data, size, "fuzz", &file);
  if (status) {
    if (hyb_status_message(status)[0] == '\0')
      std::abort();
    hyb_status_free(status);
    return 0;
  }
  std::vector<hyb::SafetensorsWriteTensor> rewrite;
  for (const auto &t : file.tensors) {
    if (t.data < data || t.data + t.numBytes() > data + size)
      std::abort();
    volatile uint8_t sink = 0;
    if (t.numBytes() > 0)
      sink = sink + t.data[0] + t.data[t.numBytes() - 1];
    hyb_dtype_t dt;
    if (hyb::stDtypeToDtype(t.dtype, &dt) && hyb::isFloatDtype(dt)) {
      uint64_t n = std::min<uint64_t>(t.numBytes() / hyb::dtypeSize(dt), 256);
      std::vector<float> f(n);
      hyb::convertFloats(t.data, dt, f.data(), HYB_DTYPE_F32, n);
      std::vector<uint16_t> h(n);
      hyb::convertFloats(f.data(), HYB_DTYPE_F32, h.data(), HYB_DTYPE_BF16, n);
      hyb::convertFloats(f.data(), HYB_DTYPE_F32, h.data(), HYB_DTYPE_F16, n);
    }
    rewrite.push_back({t.name, t.dtype, t.shape, t.data, t.numBytes()});
  }
  std::string again = hyb::writeSafetensors(rewrite, file.metadata);
  hyb::SafetensorsFile file2;
  status = hyb::parseSafetensors(
      reinterpret_cast<const uint8_t *>(again.data()), again.size(), "again",
      &file2);
  if (status || file2.tensors.size() != file.tensors.size() ||
      file2.metadata != file.metadata)
    std::abort();
  for (const auto &t : file.tensors) {
    const hyb::SafetensorsTensor *u = file2.find(t.name);
    if (!u || u->dtype != t.dtype || u->shape != t.shape ||
        u->numBytes() != t.numBytes() ||
        (t.numBytes() && std::memcmp(u->data, t.data, t.numBytes()) != 0))
      std::abort();
  }
  return 0;
}
