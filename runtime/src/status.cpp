//===- status.cpp - hyb_status_t ------------------------------------------===//

#include "runtime/src/status.h"

#include <new>

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
