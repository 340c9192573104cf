//===- test_util.h - Helpers for the runtime unit tests ---------*- C++ -*-===//
#ifndef HYBRIDRT_TEST_UTIL_H
#define HYBRIDRT_TEST_UTIL_H

#include "hybrid/runtime.h"
#include "runtime/src/safetensors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace hyb::test {

/// Asserts that |status| is OK, printing its message otherwise.
#define HYB_ASSERT_OK(expr)                                                    \
  do {                                                                         \
    hyb_status_t s_ = (expr);                                                  \
    ASSERT_EQ(s_, nullptr) << hyb_status_message(s_);                          \
  } while (0)

/// Takes ownership of a status; returns {code, message}.
struct StatusResult {
  hyb_status_code_t code;
  std::string message;
};
inline StatusResult take(hyb_status_t s) {
  StatusResult r{hyb_status_code(s), hyb_status_message(s)};
  hyb_status_free(s);
  return r;
}

/// A fresh directory under TMPDIR, removed at destruction.
class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string templ = std::string(base ? base : "/tmp") + "/hybridrt-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    path_ = mkdtemp(buf.data());
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

/// Kills the test binary (SIGALRM) if the scope takes longer than
/// |seconds|: a test of "does not block" fails instead of hanging.
class BlockingWatchdog {
public:
  explicit BlockingWatchdog(unsigned seconds) { alarm(seconds); }
  ~BlockingWatchdog() { alarm(0); }
};

inline void writeFile(const std::string &path, const std::string &data) {
  std::ofstream f(path, std::ios::binary);
  f.write(data.data(), std::streamsize(data.size()));
}

inline std::string readFile(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

/// Raw safetensors bytes from a header text and a data buffer.
inline std::string rawSafetensors(const std::string &header,
                                  const std::string &data = "") {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(char((n >> (8 * i)) & 0xff));
  return out + header + data;
}

/// The mock artifact's weight: w[v] = v / 10.
inline std::vector<float> mockWeight() {
  std::vector<float> w(8);
  for (int v = 0; v < 8; ++v)
    w[size_t(v)] = float(v) / 10.0f;
  return w;
}

inline std::string mockWeightsFile(StDtype dtype = StDtype::F32,
                                   const std::string &name = "lm_head.weight",
                                   std::vector<int64_t> shape = {8}) {
  std::vector<float> w = mockWeight();
  w.resize(size_t(shape.empty() ? 1 : shape[0]), 0.5f);
  std::vector<uint16_t> h(w.size());
  const void *data = w.data();
  uint64_t bytes = w.size() * 4;
  if (dtype == StDtype::BF16 || dtype == StDtype::F16) {
    convertFloats(w.data(), HYB_DTYPE_F32, h.data(),
                  dtype == StDtype::BF16 ? HYB_DTYPE_BF16 : HYB_DTYPE_F16,
                  w.size());
    data = h.data();
    bytes = h.size() * 2;
  }
  std::vector<int64_t> i64(w.size(), 1);
  if (dtype == StDtype::I64) {
    data = i64.data();
    bytes = i64.size() * 8;
  }
  return writeSafetensors({{name, dtype, shape, data, bytes}});
}

/// The mock model of mock_artifact.c, on the host, for one sequence.
struct MockModel {
  int64_t acc = 0, count = 0;
  float cache[16][2] = {};
  std::vector<float> w = mockWeight();
  std::vector<float> step(int64_t x) {
    int64_t p = count;
    acc = (acc * 3 + x + 1) % 1000003;
    count = p + 1;
    cache[p][0] = float(x);
    cache[p][1] = float(p + 1);
    int64_t h = acc;
    for (int64_t q = 0; q <= p; ++q)
      h += int64_t(cache[q][0]) * int64_t(cache[q][1]);
    h %= 8;
    std::vector<float> row(w);
    row[size_t(h)] += 1.0f;
    return row;
  }
};

} // namespace hyb::test

#endif // HYBRIDRT_TEST_UTIL_H
