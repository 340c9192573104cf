//===- tensor_io.h - hybrid-run's safetensors inputs and outputs -*- C++ -*-===//
//
// The files of `hybrid-run --call`: named tensors in host memory, read from
// and written to safetensors files (an 8-byte little-endian header length,
// a JSON header, the raw data). Built on the public C header, and on the
// runtime's file helpers: MappedFile to read, replaceFile to write.
//
//===----------------------------------------------------------------------===//
#ifndef HYBRID_RUN_TENSOR_IO_H
#define HYBRID_RUN_TENSOR_IO_H

#include "hybrid/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybrid_run {

struct HostTensor {
  std::string name;
  hyb_dtype_t dtype = HYB_DTYPE_F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  /// A view for hyb_session_call (valid while this tensor lives).
  hyb_tensor_t view();
};

/// A tensor named |name| of |shape|, zero-filled (an entry point's output,
/// or an input filled in place).
HostTensor zeroTensor(const char *name, hyb_dtype_t dtype,
                      std::vector<int64_t> shape);

/// Every tensor of a safetensors file (F32, F16, BF16, I64, I32), in header
/// order; fail()s naming the file on any error.
std::vector<HostTensor> readTensors(const std::string &path);
/// Replaces |path| with |tensors| (a temporary file renamed over it, as
/// session files are written); fail()s on error.
void writeTensors(const std::string &path,
                  const std::vector<HostTensor> &tensors);
/// "[1, 4, 9]".
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace hybrid_run

#endif // HYBRID_RUN_TENSOR_IO_H
