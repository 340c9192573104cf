//===- json_describe.cpp - JSON values in error messages ------------------===//

#include "runtime/src/json_describe.h"

namespace hyb {

std::string describeJson(const nlohmann::json &v, size_t maxChars) {
  if (v.is_array()) {
    bool flat = v.size() <= 8;
    for (const nlohmann::json &e : v)
      flat = flat && e.is_primitive();
    if (!flat)
      return "an array of " + std::to_string(v.size()) + " elements";
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + describeJson(v[i], maxChars);
    return s + "]";
  }
  if (v.is_object())
    return "an object of " + std::to_string(v.size()) + " keys";
  std::string s = v.dump();
  if (s.size() > maxChars) {
    // Cut before a UTF-8 continuation byte, never inside a character.
    size_t cut = maxChars - 3;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
      --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

} // namespace hyb
