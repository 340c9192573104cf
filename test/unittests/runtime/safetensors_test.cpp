//===- safetensors_test.cpp - The safetensors parser ----------------------===//

#include "test_util.h"

#include "runtime/src/safetensors.h"

#include <cmath>
#include <cstring>
#include <dirent.h>

using namespace hyb;
using namespace hyb::test;

namespace {

StatusResult parse(const std::string &bytes, SafetensorsFile *out = nullptr) {
  SafetensorsFile file;
  return take(parseSafetensors(reinterpret_cast<const uint8_t *>(bytes.data()),
                               bytes.size(), "t.safetensors",
                               out ? out : &file));
}

/// Expects parsing to fail with INVALID_FORMAT and every |parts| in the
/// message (which always names the file).
void expectError(const std::string &bytes,
                 const std::vector<std::string> &parts) {
  StatusResult r = parse(bytes);
  ASSERT_EQ(r.code, HYB_STATUS_INVALID_FORMAT) << r.message;
  EXPECT_NE(r.message.find("t.safetensors"), std::string::npos) << r.message;
  for (const auto &p : parts)
    EXPECT_NE(r.message.find(p), std::string::npos)
        << "'" << p << "' not in: " << r.message;
}

TEST(SafetensorsTest, ParsesF32) {
  float v[6] = {1, 2, 3, 4, 5, 6};
  std::string bytes = writeSafetensors(
      {{"w", StDtype::F32, {2, 3}, v, sizeof(v)}}, {{"format", "pt"}});
  SafetensorsFile file;
  StatusResult r = parse(bytes, &file);
  ASSERT_EQ(r.code, HYB_STATUS_OK) << r.message;
  ASSERT_EQ(file.tensors.size(), 1u);
  const SafetensorsTensor *t = file.find("w");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->dtype, StDtype::F32);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t->numBytes(), 24u);
  EXPECT_EQ(std::memcmp(t->data, v, 24), 0);
  EXPECT_EQ(file.metadata.at("format"), "pt");
  EXPECT_EQ(file.dataOffset % 8, 0u);
}

TEST(SafetensorsTest, ParsesBf16F16AndOthers) {
  uint16_t bf[2] = {0x3f80, 0xc000}; // 1, -2
  uint16_t hf[3] = {0x3c00, 0x7bff, 0x0001}; // 1, 65504, 2^-24
  int64_t i[1] = {42};
  std::string bytes = writeSafetensors({{"a", StDtype::BF16, {2}, bf, 4},
                                        {"b", StDtype::F16, {3, 1}, hf, 6},
                                        {"c", StDtype::I64, {}, i, 8},
                                        {"empty", StDtype::F32, {0, 5}, nullptr, 0}});
  SafetensorsFile file;
  StatusResult r = parse(bytes, &file);
  ASSERT_EQ(r.code, HYB_STATUS_OK) << r.message;
  EXPECT_EQ(file.tensors.size(), 4u);
  float f[3];
  convertFloats(file.find("a")->data, HYB_DTYPE_BF16, f, HYB_DTYPE_F32, 2);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -2.0f);
  convertFloats(file.find("b")->data, HYB_DTYPE_F16, f, HYB_DTYPE_F32, 3);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], 65504.0f);
  EXPECT_EQ(f[2], std::ldexp(1.0f, -24));
  EXPECT_TRUE(file.find("c")->shape.empty());
  EXPECT_EQ(file.find("empty")->numBytes(), 0u);
}

TEST(SafetensorsTest, AcceptsUnpaddedHeaderAndUnorderedOffsets) {
  std::string data(8, '\0');
  std::string h = R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                  R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  EXPECT_EQ(parse(rawSafetensors(h, data)).code, HYB_STATUS_OK);
}

TEST(SafetensorsTest, ParsesTheSeedCorpus) {
  DIR *dir = opendir(HYB_FUZZ_CORPUS);
  ASSERT_NE(dir, nullptr);
  int count = 0;
  while (dirent *e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() < 12 || name.substr(name.size() - 12) != ".safetensors")
      continue;
    std::shared_ptr<MappedSafetensors> file;
    HYB_ASSERT_OK(openSafetensors(std::string(HYB_FUZZ_CORPUS) + "/" + name,
                                  &file));
    ++count;
  }
  closedir(dir);
  EXPECT_GE(count, 3);
}

TEST(SafetensorsTest, ParsesTheHFFixtures) {
  // The fixtures made with HF transformers (test/fixtures/hf/*), if present.
  std::string root = std::string(HYBRIDC_SOURCE_DIR) + "/test/fixtures/hf";
  DIR *dir = opendir(root.c_str());
  if (!dir)
    GTEST_SKIP() << "no " << root;
  int count = 0;
  while (dirent *e = readdir(dir)) {
    std::string path = root + "/" + e->d_name + "/model.safetensors";
    if (e->d_name[0] == '.' || access(path.c_str(), R_OK) != 0)
      continue;
    std::shared_ptr<MappedSafetensors> file;
    HYB_ASSERT_OK(openSafetensors(path, &file));
    EXPECT_FALSE(file->file.tensors.empty()) << path;
    ++count;
  }
  closedir(dir);
  EXPECT_GT(count, 0);
}

//===-- Malformed files: each is rejected with a message naming the cause ---===//

TEST(SafetensorsErrorTest, TooSmallForHeaderLength) {
  expectError("abc", {"3 bytes", "too small"});
}

TEST(SafetensorsErrorTest, HeaderLengthLargerThanFile) {
  std::string bytes = rawSafetensors("{}");
  bytes[0] = 100; // claims 100 bytes of header
  expectError(bytes, {"header length 100", "exceeds"});
}

TEST(SafetensorsErrorTest, AbsurdHeaderLength) {
  std::string bytes(8, '\0');
  uint64_t n = 200ull * 1024 * 1024;
  std::memcpy(&bytes[0], &n, 8);
  bytes += "{}";
  expectError(bytes, {"header length 209715200", "limit"});
}

TEST(SafetensorsErrorTest, JsonDoesNotParse) {
  expectError(rawSafetensors(R"({"w": {"dtype": "F32",)"),
              {"JSON header does not parse"});
}

TEST(SafetensorsErrorTest, HeaderNotAnObject) {
  expectError(rawSafetensors("[1, 2]"), {"must be an object"});
}

TEST(SafetensorsErrorTest, EntryNotAnObject) {
  expectError(rawSafetensors(R"({"w": 3})"), {"tensor 'w'", "must be an object"});
}

TEST(SafetensorsErrorTest, MissingDtype) {
  expectError(rawSafetensors(R"({"w":{"shape":[1],"data_offsets":[0,4]}})",
                             std::string(4, '\0')),
              {"tensor 'w'", "missing field 'dtype'"});
}

TEST(SafetensorsErrorTest, DtypeNotAString) {
  expectError(rawSafetensors(R"({"w":{"dtype":7,"shape":[1],"data_offsets":[0,4]}})",
                             std::string(4, '\0')),
              {"tensor 'w'", "'dtype' must be a string"});
}

TEST(SafetensorsErrorTest, UnknownDtype) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}})",
                             std::string(4, '\0')),
              {"tensor 'w'", "unknown dtype 'F31'"});
}

TEST(SafetensorsErrorTest, ShapeNotAnArray) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})",
                             std::string(16, '\0')),
              {"tensor 'w'", "'shape' must be an array"});
}

TEST(SafetensorsErrorTest, NegativeDim) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":[2,-3],"data_offsets":[0,0]}})"),
              {"tensor 'w'", "shape[1] = -3", "negative"});
}

TEST(SafetensorsErrorTest, FloatDim) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,0]}})"),
              {"tensor 'w'", "shape[0] must be an integer"});
}

TEST(SafetensorsErrorTest, ShapeProductOverflows) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})"),
              {"tensor 'w'", "overflows"});
}

TEST(SafetensorsErrorTest, ByteSizeOverflows) {
  // numel fits 64 bits, numel * 4 does not.
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})"),
              {"tensor 'w'", "overflows"});
}

TEST(SafetensorsErrorTest, OffsetsWrongArity) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})"),
              {"tensor 'w'", "data_offsets"});
}

TEST(SafetensorsErrorTest, OffsetsNegative) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})"),
              {"tensor 'w'", "non-negative"});
}

TEST(SafetensorsErrorTest, EndBeforeBegin) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})",
                             std::string(8, '\0')),
              {"tensor 'w'", "end 0 < begin 4"});
}

TEST(SafetensorsErrorTest, OffsetsOutOfRangeTruncatedFile) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                             std::string(10, '\0')),
              {"tensor 'w'", "out of range", "10 bytes", "truncated"});
}

TEST(SafetensorsErrorTest, ByteSizeDoesNotMatchShape) {
  expectError(rawSafetensors(R"({"w":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,16]}})",
                             std::string(16, '\0')),
              {"tensor 'w'", "16 bytes", "BF16 [2, 2] needs 8 bytes"});
}

TEST(SafetensorsErrorTest, OverlappingTensors) {
  expectError(rawSafetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                             std::string(12, '\0')),
              {"'a' [0, 8)", "'b' [4, 12)", "overlap"});
}

TEST(SafetensorsErrorTest, NestedOverlap) {
  // 'c' lies inside 'a' although it starts after 'b' ends.
  expectError(rawSafetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("c":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                             std::string(16, '\0')),
              {"overlap"});
}

TEST(SafetensorsErrorTest, DuplicateTensorName) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                             std::string(8, '\0')),
              {"duplicate tensor name 'w'"});
}

TEST(SafetensorsErrorTest, DuplicateField) {
  expectError(rawSafetensors(R"({"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})",
                             std::string(4, '\0')),
              {"duplicate key 'dtype'"});
}

TEST(SafetensorsErrorTest, MetadataNotAnObject) {
  expectError(rawSafetensors(R"({"__metadata__":[1]})"),
              {"'__metadata__' must be an object"});
}

TEST(SafetensorsErrorTest, MetadataValueNotAString) {
  expectError(rawSafetensors(R"({"__metadata__":{"format":1}})"),
              {"'__metadata__' value of 'format' must be a string"});
}

// Regression: describing a deeply nested value in an error message used to
// serialize it recursively and overflow the stack (found by a hand-made input
// while fuzzing, see docs/Runtime.md).
TEST(SafetensorsErrorTest, DeeplyNestedArrayEntry) {
  const size_t depth = 1000000;
  std::string h = R"({"w":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
  expectError(rawSafetensors(h), {"tensor 'w'", "entry must be an object",
                                  "an array of 1 elements"});
}

TEST(SafetensorsErrorTest, DeeplyNestedObjectEntry) {
  std::string h = R"({"w":)";
  for (int i = 0; i < 300000; ++i)
    h += R"({"dtype":)";
  h += "1";
  h += std::string(300000, '}');
  h += "}";
  expectError(rawSafetensors(h), {"tensor 'w'", "'dtype' must be a string",
                                  "an object of 1 keys"});
}

TEST(SafetensorsErrorTest, FileBytesInMessagesAreEscaped) {
  // A name with a terminal escape and a newline, as the JSON may spell it.
  expectError(rawSafetensors(R"({"\u001b[2Jx\ny":{"dtype":"Q8","shape":[],)"
                             R"("data_offsets":[0,0]}})"),
              {"tensor '\\x1b[2Jx\\x0ay': unknown dtype 'Q8'"});
  // A parser's "last read" quotes raw, invalid UTF-8 bytes.
  StatusResult r = parse(rawSafetensors("{\"\xff\x1b"));
  EXPECT_EQ(r.message.find('\x1b'), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find('\xff'), std::string::npos) << r.message;
}

TEST(SafetensorsErrorTest, MissingFile) {
  std::shared_ptr<MappedSafetensors> file;
  StatusResult r = take(openSafetensors("/nonexistent/x.safetensors", &file));
  EXPECT_EQ(r.code, HYB_STATUS_NOT_FOUND);
  EXPECT_NE(r.message.find("/nonexistent/x.safetensors"), std::string::npos);
}

TEST(SafetensorsErrorTest, EmptyFile) {
  TempDir dir;
  writeFile(dir.file("e.safetensors"), "");
  std::shared_ptr<MappedSafetensors> file;
  StatusResult r = take(openSafetensors(dir.file("e.safetensors"), &file));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_FORMAT);
  EXPECT_NE(r.message.find("e.safetensors: file is 0 bytes"), std::string::npos)
      << r.message;
}

TEST(SafetensorsErrorTest, TruncatedRealFile) {
  float v[4] = {1, 2, 3, 4};
  std::string bytes = writeSafetensors({{"w", StDtype::F32, {4}, v, 16}});
  bytes.resize(bytes.size() - 3);
  expectError(bytes, {"tensor 'w'", "truncated"});
}

} // namespace
