//===- dtype.h - Element types and float conversions ------------*- C++ -*-===//
//
// Two vocabularies: safetensors dtypes ("F32", "BF16", ...) as files spell
// them, and manifest dtypes (hyb_dtype_t: "f32", "bf16", ...).
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_DTYPE_H
#define HYBRIDRT_DTYPE_H

#include "hybrid/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hyb {

/// Every dtype of the safetensors format this runtime knows.
enum class StDtype {
  BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64,
  F8_E4M3, F8_E5M2,
};

bool parseStDtype(std::string_view text, StDtype *out);
const char *stDtypeName(StDtype dtype);
size_t stDtypeSize(StDtype dtype);
/// The manifest dtype with the same bits, if any.
bool stDtypeToDtype(StDtype dtype, hyb_dtype_t *out);
const char *dtypeToStName(hyb_dtype_t dtype);

/// Manifest spelling.
bool parseDtype(std::string_view text, hyb_dtype_t *out);
const char *dtypeName(hyb_dtype_t dtype);
size_t dtypeSize(hyb_dtype_t dtype);
bool isFloatDtype(hyb_dtype_t dtype);

float bf16ToFloat(uint16_t bits);
uint16_t floatToBf16(float value); // round to nearest even, NaN kept quiet
float f16ToFloat(uint16_t bits);
uint16_t floatToF16(float value); // round to nearest even, overflow -> inf

/// Converts |count| elements between float dtypes (f32/bf16/f16). |src| may
/// be unaligned. Returns false if either dtype is not a float dtype.
bool convertFloats(const void *src, hyb_dtype_t srcType, void *dst,
                   hyb_dtype_t dstType, uint64_t count);

} // namespace hyb

#endif // HYBRIDRT_DTYPE_H
