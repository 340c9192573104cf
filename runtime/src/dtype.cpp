//===- dtype.cpp - Element types and float conversions --------------------===//

#include "runtime/src/dtype.h"

#include <cmath>
#include <cstring>

namespace hyb {

namespace {
struct StDtypeInfo {
  StDtype dtype;
  const char *name;
  size_t size;
};
constexpr StDtypeInfo kStDtypes[] = {
    {StDtype::BOOL, "BOOL", 1},       {StDtype::U8, "U8", 1},
    {StDtype::I8, "I8", 1},           {StDtype::I16, "I16", 2},
    {StDtype::U16, "U16", 2},         {StDtype::F16, "F16", 2},
    {StDtype::BF16, "BF16", 2},       {StDtype::I32, "I32", 4},
    {StDtype::U32, "U32", 4},         {StDtype::F32, "F32", 4},
    {StDtype::F64, "F64", 8},         {StDtype::I64, "I64", 8},
    {StDtype::U64, "U64", 8},         {StDtype::F8_E4M3, "F8_E4M3", 1},
    {StDtype::F8_E5M2, "F8_E5M2", 1},
};
} // namespace

bool parseStDtype(std::string_view text, StDtype *out) {
  for (const auto &info : kStDtypes)
    if (text == info.name) {
      *out = info.dtype;
      return true;
    }
  return false;
}

const char *stDtypeName(StDtype dtype) {
  return kStDtypes[static_cast<int>(dtype)].name;
}

size_t stDtypeSize(StDtype dtype) {
  return kStDtypes[static_cast<int>(dtype)].size;
}

bool stDtypeToDtype(StDtype dtype, hyb_dtype_t *out) {
  switch (dtype) {
  case StDtype::F32: *out = HYB_DTYPE_F32; return true;
  case StDtype::BF16: *out = HYB_DTYPE_BF16; return true;
  case StDtype::F16: *out = HYB_DTYPE_F16; return true;
  case StDtype::I64: *out = HYB_DTYPE_I64; return true;
  case StDtype::I32: *out = HYB_DTYPE_I32; return true;
  default: return false;
  }
}

const char *dtypeToStName(hyb_dtype_t dtype) {
  switch (dtype) {
  case HYB_DTYPE_F32: return "F32";
  case HYB_DTYPE_BF16: return "BF16";
  case HYB_DTYPE_F16: return "F16";
  case HYB_DTYPE_I64: return "I64";
  case HYB_DTYPE_I32: return "I32";
  }
  return "?";
}

bool parseDtype(std::string_view text, hyb_dtype_t *out) {
  static constexpr struct {
    const char *name;
    hyb_dtype_t dtype;
  } kNames[] = {{"f32", HYB_DTYPE_F32}, {"bf16", HYB_DTYPE_BF16},
                {"f16", HYB_DTYPE_F16}, {"i64", HYB_DTYPE_I64},
                {"i32", HYB_DTYPE_I32}};
  for (const auto &n : kNames)
    if (text == n.name) {
      *out = n.dtype;
      return true;
    }
  return false;
}

const char *dtypeName(hyb_dtype_t dtype) {
  switch (dtype) {
  case HYB_DTYPE_F32: return "f32";
  case HYB_DTYPE_BF16: return "bf16";
  case HYB_DTYPE_F16: return "f16";
  case HYB_DTYPE_I64: return "i64";
  case HYB_DTYPE_I32: return "i32";
  }
  return "?";
}

size_t dtypeSize(hyb_dtype_t dtype) {
  switch (dtype) {
  case HYB_DTYPE_F32: return 4;
  case HYB_DTYPE_BF16: return 2;
  case HYB_DTYPE_F16: return 2;
  case HYB_DTYPE_I64: return 8;
  case HYB_DTYPE_I32: return 4;
  }
  return 0;
}

bool isFloatDtype(hyb_dtype_t dtype) {
  return dtype == HYB_DTYPE_F32 || dtype == HYB_DTYPE_BF16 ||
         dtype == HYB_DTYPE_F16;
}

static uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
static float bitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

float bf16ToFloat(uint16_t bits) { return bitsFloat(uint32_t(bits) << 16); }

uint16_t floatToBf16(float value) {
  uint32_t u = floatBits(value);
  if ((u & 0x7fffffffu) > 0x7f800000u) // NaN: keep sign, force quiet
    return uint16_t((u >> 16) | 0x0040u);
  uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  return uint16_t((u + rounding) >> 16);
}

float f16ToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    if (mant == 0)
      return bitsFloat(sign);
    // Subnormal: mant * 2^-24.
    float f = std::ldexp(float(mant), -24);
    return sign ? -f : f;
  }
  if (exp == 31)
    return bitsFloat(sign | 0x7f800000u | (mant << 13));
  return bitsFloat(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t floatToF16(float value) {
  uint32_t u = floatBits(value);
  uint16_t sign = uint16_t((u >> 16) & 0x8000u);
  uint32_t absu = u & 0x7fffffffu;
  if (absu > 0x7f800000u) // NaN
    return uint16_t(sign | 0x7e00u | ((absu >> 13) & 0x3ffu));
  if (absu >= 0x477ff000u) // >= 65520 rounds to inf
    return uint16_t(sign | 0x7c00u);
  if (absu < 0x38800000u) { // below the smallest normal (2^-14)
    // Subnormal or zero: value = m * 2^-24, round to nearest even.
    float a = bitsFloat(absu);
    float scaled = a * 16777216.0f; // 2^24, exact
    float r = std::nearbyint(scaled); // default mode: nearest even
    return uint16_t(sign | uint16_t(r));
  }
  uint32_t exp = (absu >> 23) - 112;
  uint32_t mant = absu & 0x7fffffu;
  uint32_t half = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    ++half; // may carry into the exponent, which is correct
  return uint16_t(sign | half);
}

bool convertFloats(const void *src, hyb_dtype_t srcType, void *dst,
                   hyb_dtype_t dstType, uint64_t count) {
  if (!isFloatDtype(srcType) || !isFloatDtype(dstType))
    return false;
  const unsigned char *s = static_cast<const unsigned char *>(src);
  unsigned char *d = static_cast<unsigned char *>(dst);
  size_t ss = dtypeSize(srcType), ds = dtypeSize(dstType);
  for (uint64_t i = 0; i < count; ++i) {
    float f;
    if (srcType == HYB_DTYPE_F32) {
      std::memcpy(&f, s + i * ss, 4);
    } else {
      uint16_t h;
      std::memcpy(&h, s + i * ss, 2);
      f = srcType == HYB_DTYPE_BF16 ? bf16ToFloat(h) : f16ToFloat(h);
    }
    if (dstType == HYB_DTYPE_F32) {
      std::memcpy(d + i * ds, &f, 4);
    } else {
      uint16_t h = dstType == HYB_DTYPE_BF16 ? floatToBf16(f) : floatToF16(f);
      std::memcpy(d + i * ds, &h, 2);
    }
  }
  return true;
}

} // namespace hyb
