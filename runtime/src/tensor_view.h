//===- tensor_view.h - A hyb_tensor_t over caller memory --------*- C++ -*-===//
//
// For C++ callers of hyb_session_call in this repository (fixture-check,
// the runtime's tests): the named tensor of |shape| whose data is |data|.
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_TENSOR_VIEW_H
#define HYBRIDRT_TENSOR_VIEW_H

#include "hybrid/runtime.h"

#include <cstdint>
#include <vector>

namespace hyb {

inline hyb_tensor_t tensorView(const char *name, hyb_dtype_t dtype,
                               const std::vector<int64_t> &shape,
                               const void *data) {
  hyb_tensor_t t = {};
  t.name = name;
  t.dtype = dtype;
  t.rank = int32_t(shape.size());
  for (size_t i = 0; i < shape.size() && i < HYB_MAX_RANK; ++i)
    t.shape[i] = shape[i];
  t.data = const_cast<void *>(data);
  return t;
}

} // namespace hyb

#endif // HYBRIDRT_TENSOR_VIEW_H
