//===- dtype_test.cpp - Float conversions ---------------------------------===//

#include "runtime/src/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace hyb;

TEST(DtypeTest, Names) {
  hyb_dtype_t d;
  EXPECT_TRUE(parseDtype("bf16", &d));
  EXPECT_EQ(d, HYB_DTYPE_BF16);
  EXPECT_FALSE(parseDtype("BF16", &d));
  StDtype s;
  EXPECT_TRUE(parseStDtype("F8_E4M3", &s));
  EXPECT_EQ(stDtypeSize(s), 1u);
  EXPECT_FALSE(parseStDtype("f32", &s));
  EXPECT_STREQ(hyb_dtype_name(HYB_DTYPE_I64), "i64");
  EXPECT_EQ(hyb_dtype_size(HYB_DTYPE_F16), 2u);
}

TEST(DtypeTest, Bf16RoundsToNearestEven) {
  EXPECT_EQ(floatToBf16(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0).
  EXPECT_EQ(floatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: to even.
  EXPECT_EQ(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(NAN))));
  EXPECT_EQ(bf16ToFloat(floatToBf16(-INFINITY)), -INFINITY);
}

TEST(DtypeTest, F16Conversions) {
  EXPECT_EQ(floatToF16(1.0f), 0x3c00);
  EXPECT_EQ(floatToF16(-2.0f), 0xc000);
  EXPECT_EQ(floatToF16(65504.0f), 0x7bff);
  EXPECT_EQ(floatToF16(65520.0f), 0x7c00); // rounds to inf
  EXPECT_EQ(floatToF16(1e9f), 0x7c00);
  EXPECT_EQ(floatToF16(std::ldexp(1.0f, -24)), 0x0001); // smallest subnormal
  EXPECT_EQ(floatToF16(std::ldexp(1.0f, -26)), 0x0000); // rounds to 0
  EXPECT_EQ(floatToF16(std::ldexp(1.0f, -14)), 0x0400); // smallest normal
  EXPECT_EQ(floatToF16(1.0f + std::ldexp(1.0f, -11)), 0x3c00); // tie to even
  EXPECT_TRUE(std::isnan(f16ToFloat(floatToF16(NAN))));
  // Every f16 value round-trips through f32.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = f16ToFloat(uint16_t(h));
    if (std::isnan(f))
      continue;
    ASSERT_EQ(floatToF16(f), h) << std::hex << h;
  }
}

TEST(DtypeTest, ConvertBetweenHalfTypes) {
  float src[3] = {1.5f, -0.25f, 3.0f};
  uint16_t bf[3], hf[3];
  float back[3];
  ASSERT_TRUE(convertFloats(src, HYB_DTYPE_F32, bf, HYB_DTYPE_BF16, 3));
  ASSERT_TRUE(convertFloats(bf, HYB_DTYPE_BF16, hf, HYB_DTYPE_F16, 3));
  ASSERT_TRUE(convertFloats(hf, HYB_DTYPE_F16, back, HYB_DTYPE_F32, 3));
  EXPECT_EQ(std::memcmp(src, back, sizeof(src)), 0);
  EXPECT_FALSE(convertFloats(src, HYB_DTYPE_I64, back, HYB_DTYPE_F32, 1));
}
