//===- json_describe.h - JSON values in error messages ----------*- C++ -*-===//

#ifndef HYBRIDRT_JSON_DESCRIBE_H
#define HYBRIDRT_JSON_DESCRIBE_H

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace hyb {

/// A short description of |v| for messages, at most |maxChars| characters of
/// a scalar's text. Containers are described by size, never serialized:
/// dump() recurses, and a hostile file can nest deeply enough to overflow the
/// stack.
std::string describeJson(const nlohmann::json &v, size_t maxChars);

} // namespace hyb

#endif // HYBRIDRT_JSON_DESCRIBE_H
