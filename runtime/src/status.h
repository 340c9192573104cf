//===- status.h - Internal helpers around hyb_status_t ----------*- C++ -*-===//
//
// Internal code returns hyb_status_t directly (NULL = OK), built with
// hyb::error(code, parts...) which streams its parts into the message.
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_STATUS_H
#define HYBRIDRT_STATUS_H

#include "hybrid/runtime.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

struct hyb_status {
  hyb_status_code_t code;
  std::string message;
  bool isStatic; // the preallocated out-of-memory status; never freed
};

namespace hyb {

/// Makes a status owned by the caller. Never fails: if allocation fails it
/// returns a static out-of-memory status that hyb_status_free ignores.
hyb_status_t makeStatus(hyb_status_code_t code, std::string message);

/// The static status returned when memory runs out.
hyb_status_t outOfMemoryStatus();

template <typename... Parts>
hyb_status_t error(hyb_status_code_t code, const Parts &...parts) {
  std::ostringstream os;
  (os << ... << parts);
  return makeStatus(code, os.str());
}

/// Prepends "PREFIX: " to the message of |status| (if any) and returns it.
hyb_status_t annotate(hyb_status_t status, const std::string &prefix);

/// "[2, 3, 4]".
std::string formatShape(const std::vector<int64_t> &shape);

/// |bytes| as they may stand in a one-line message: control characters,
/// DEL, backslashes and bytes that are not valid UTF-8 as \xNN (a backslash
/// as \\), everything else as is. For any text that comes from a file
/// (names, keys, a parser's "last read"), so that a message never carries
/// raw terminal escapes, newlines or broken UTF-8.
std::string printable(std::string_view bytes);

} // namespace hyb

#define HYB_RETURN_IF_ERROR(expr)                                              \
  do {                                                                         \
    hyb_status_t hyb_status_tmp_ = (expr);                                     \
    if (hyb_status_tmp_)                                                       \
      return hyb_status_tmp_;                                                  \
  } while (0)

/// Wraps the body of a C API function: turns C++ exceptions into statuses.
#define HYB_API_BEGIN try {
#define HYB_API_END                                                            \
  }                                                                            \
  catch (const std::bad_alloc &) {                                             \
    return hyb::outOfMemoryStatus();                                           \
  }                                                                            \
  catch (const std::exception &e) {                                            \
    return hyb::error(HYB_STATUS_INTERNAL, "internal error: ", e.what());      \
  }

#endif // HYBRIDRT_STATUS_H
