//===- cuda-smoke.cpp - The CUDA backend on a real GPU ---------------------===//
//
// hybrid-cuda-smoke [MOCK_CUDA_ARTIFACT]: checks the CUDA backend where a
// GPU is (scripts/gpu-check.sh runs it), and prints one line a check and
// "N passed, N failed". Without a driver or a GPU it prints one line saying
// so and exits 77 (ctest's skip).
//
//   - device ops called directly on a session's environment: gemm (f32 to
//     an accuracy TF32 would miss; bf16 to f32 and to bf16; f32 x bf16 and
//     f32 x f16, converted by the runtime; batched, strided, padded leading
//     dimensions, alpha and beta) against a host reference; launch of a PTX
//     kernel with 64 KiB of dynamic shared memory; alloc/free; errors naming
//     the kernel and the GEMM;
//   - CUDA graphs through Backend::launch: a replayable call is captured
//     once and replayed (its host code runs once), with a stream-ordered
//     temporary inside;
//   - the mock CUDA artifact through the C API: logits and state against a
//     host model, decode (graphs on and HYBRID_CUDA_GRAPHS=0 alike) against
//     one longer prefill, fork, save/load, reset, per-sequence state.
//
//===----------------------------------------------------------------------===//

#include "mock_cuda_kernels.h"
#include "runtime/src/backend.h"
#include "runtime/src/dtype.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace hyb;

namespace {

int passed = 0, failed = 0;

void report(bool ok, const std::string &name, const std::string &detail = "") {
  (ok ? passed : failed)++;
  std::printf("%s: %s%s%s\n", ok ? "PASS" : "FAIL", name.c_str(),
              detail.empty() ? "" : ": ", detail.c_str());
}

std::string take(hyb_status_t st) {
  std::string s = st ? hyb_status_message(st) : "";
  hyb_status_free(st);
  return s;
}

std::vector<float> randoms(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

/// Host bits of |values| in |dtype| (f32, bf16 or f16).
std::vector<uint8_t> encode(const std::vector<float> &values, hyb_dtype_t t) {
  std::vector<uint8_t> out(values.size() * dtypeSize(t));
  convertFloats(values.data(), HYB_DTYPE_F32, out.data(), t, values.size());
  return out;
}
std::vector<float> decode(const std::vector<uint8_t> &bytes, hyb_dtype_t t) {
  std::vector<float> out(bytes.size() / dtypeSize(t));
  convertFloats(bytes.data(), t, out.data(), HYB_DTYPE_F32, out.size());
  return out;
}
/// |values| rounded through |t|.
std::vector<float> rounded(const std::vector<float> &values, hyb_dtype_t t) {
  return decode(encode(values, t), t);
}

/// The device ops of one session of a CUDA backend.
struct Device {
  std::unique_ptr<Backend> backend;
  hyb_env_t env = {};
  std::vector<DeviceBuffer> buffers;

  ~Device() {
    if (!backend)
      return;
    backend->releaseEnv(&env);
    for (auto &b : buffers)
      backend->release(b);
  }
  void *upload(const std::vector<uint8_t> &bytes) {
    DeviceBuffer b;
    if (std::string e = take(backend->allocate(bytes.size(), &b)); !e.empty())
      throw std::runtime_error(e);
    take(backend->copyFromHost(b, bytes.data(), bytes.size()));
    buffers.push_back(b);
    return b.ptr;
  }
  std::vector<uint8_t> download(const void *ptr, uint64_t bytes) {
    std::vector<uint8_t> out(bytes);
    for (auto &b : buffers)
      if (b.ptr == ptr)
        take(backend->copyToHost(b, out.data(), bytes));
    return out;
  }
  std::string sync() { return take(backend->synchronize(&env)); }
};

/// One GEMM case: C[b] = alpha A[b] B[b]^T + beta C[b] on padded, strided
/// operands, against a double reference of the operands as the device
/// reads them. |tolerance| is absolute (values are in [-1, 1]).
/// |aligned|: rows of A and B 16-byte aligned (the padding a multiple of 8
/// elements), the shapes the runtime's GEMV kernel takes at up to 8 rows.
void gemmCase(Device &dev, const char *name, hyb_dtype_t at, hyb_dtype_t bt,
              hyb_dtype_t ct, int64_t m, int64_t n, int64_t k, int64_t batch,
              double tolerance, bool aligned = false) {
  const int64_t lda = k + (aligned ? 8 : 3), ldb = k + (aligned ? 8 : 5),
                ldc = n + 2;
  const int64_t sa = m * lda + (aligned ? 16 : 7),
                sb = n * ldb + (aligned ? 16 : 11), sc = m * ldc + 5;
  std::vector<float> a = randoms(size_t(sa * batch), 1),
                     b = randoms(size_t(sb * batch), 2),
                     c = randoms(size_t(sc * batch), 3);
  a = rounded(a, at);
  b = rounded(b, bt);
  c = rounded(c, ct);
  // The device multiplies A in B's type when they differ, except f32 A
  // with bf16 B, which it multiplies as two bf16 terms: f32 accuracy.
  std::vector<float> aSeen =
      at == bt || (at == HYB_DTYPE_F32 && bt == HYB_DTYPE_BF16) ? a
                                                                : rounded(a, bt);
  const float alpha = 1.5f, beta = 0.5f;
  hyb_gemm_t g = {};
  g.a_dtype = at;
  g.b_dtype = bt;
  g.c_dtype = ct;
  g.m = m, g.n = n, g.k = k, g.batch = batch;
  g.a = dev.upload(encode(a, at)), g.lda = lda, g.stride_a = sa;
  g.b = dev.upload(encode(b, bt)), g.ldb = ldb, g.stride_b = sb;
  g.c = dev.upload(encode(c, ct)), g.ldc = ldc, g.stride_c = sc;
  g.alpha = alpha, g.beta = beta;
  dev.env.device_ops->gemm(&dev.env, &g);
  std::string err = dev.sync();
  if (!err.empty())
    return report(false, name, err);
  std::vector<float> out =
      decode(dev.download(g.c, c.size() * dtypeSize(ct)), ct);
  double worst = 0;
  bool paddingKept = true;
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (int64_t p = 0; p < k; ++p)
          sum += double(aSeen[size_t(bi * sa + i * lda + p)]) *
                 double(b[size_t(bi * sb + j * ldb + p)]);
        size_t ci = size_t(bi * sc + i * ldc + j);
        double want = alpha * sum + beta * double(c[ci]);
        double tol = tolerance * (ct == HYB_DTYPE_F32 ? 1.0 : 1.0 + std::fabs(want));
        worst = std::max(worst, std::fabs(double(out[ci]) - want) / tol);
      }
      for (int64_t j = n; j < ldc; ++j) // padding columns are not written
        paddingKept &= out[size_t(bi * sc + i * ldc + j)] ==
                       c[size_t(bi * sc + i * ldc + j)];
    }
  char detail[160];
  std::snprintf(detail, sizeof detail,
                "m=%lld n=%lld k=%lld batch=%lld: worst error %.3g of the "
                "tolerance%s",
                (long long)m, (long long)n, (long long)k, (long long)batch,
                worst, paddingKept ? "" : "; padding overwritten");
  report(worst <= 1.0 && paddingKept, name, detail);
}

void deviceOpTests() {
  Device dev;
  BackendOptions options;
  if (std::string e = take(createBackend(HYB_DEVICE_CUDA, options, &dev.backend));
      !e.empty()) {
    std::printf("cuda-smoke: skipped: %s\n", e.c_str());
    std::exit(77);
  }
  DeviceCode code;
  code.ptx = kMockCudaPtx;
  code.arch = "sm_80";
  code.kernels = {"mock_step", "mock_axpy"};
  report(take(dev.backend->loadDeviceCode(code)).empty(),
         "PTX module with two kernels loads");
  dev.env.abi_version = HYB_ABI_VERSION;
  dev.env.struct_size = sizeof(hyb_env_t);
  if (std::string e = take(dev.backend->initEnv(&dev.env)); !e.empty())
    return report(false, "initEnv", e);
  report(dev.env.device == HYB_DEVICE_CUDA && dev.env.stream &&
             dev.env.blas_handle && dev.env.workspace &&
             dev.env.workspace_bytes >= (32u << 20) && dev.env.device_ops &&
             dev.env.device_ops->struct_size == sizeof(hyb_device_ops_t),
         "initEnv fills device, stream, cuBLASLt handle, workspace, ops");

  // f32: TF32 (10-bit mantissa) would be off by ~1e-2 at k=300.
  gemmCase(dev, "gemm f32 (no TF32)", HYB_DTYPE_F32, HYB_DTYPE_F32,
           HYB_DTYPE_F32, 37, 29, 300, 1, 2e-4);
  gemmCase(dev, "gemm f32 batched strided", HYB_DTYPE_F32, HYB_DTYPE_F32,
           HYB_DTYPE_F32, 17, 45, 64, 3, 2e-4);
  gemmCase(dev, "gemm bf16 x bf16 -> f32 batched", HYB_DTYPE_BF16,
           HYB_DTYPE_BF16, HYB_DTYPE_F32, 33, 40, 72, 2, 1e-3);
  gemmCase(dev, "gemm bf16 x bf16 -> bf16", HYB_DTYPE_BF16, HYB_DTYPE_BF16,
           HYB_DTYPE_BF16, 24, 64, 128, 1, 1.0 / 64);
  gemmCase(dev, "gemm f32 x bf16 -> f32 (A converted) batched",
           HYB_DTYPE_F32, HYB_DTYPE_BF16, HYB_DTYPE_F32, 5, 96, 160, 2, 1e-3);
  gemmCase(dev, "gemm f32 x f16 -> f32 (A converted)", HYB_DTYPE_F32,
           HYB_DTYPE_F16, HYB_DTYPE_F32, 1, 256, 512, 1, 1e-3);
  gemmCase(dev, "gemm f32 decode shape m=1", HYB_DTYPE_F32, HYB_DTYPE_F32,
           HYB_DTYPE_F32, 1, 1000, 256, 1, 2e-4);
  // The GEMV kernel (f32 A, bf16 or f32 B, up to 8 rows, aligned rows):
  // ragged n and k, batches, and f32's accuracy whatever B's type.
  gemmCase(dev, "gemv f32 x bf16 -> f32 m=1", HYB_DTYPE_F32, HYB_DTYPE_BF16,
           HYB_DTYPE_F32, 1, 1003, 264, 1, 1e-4, true);
  gemmCase(dev, "gemv f32 x bf16 -> f32 batch 3 of 2 rows", HYB_DTYPE_F32,
           HYB_DTYPE_BF16, HYB_DTYPE_F32, 2, 77, 2056, 3, 2e-4, true);
  gemmCase(dev, "gemv f32 x f32 m=8", HYB_DTYPE_F32, HYB_DTYPE_F32,
           HYB_DTYPE_F32, 8, 300, 512, 1, 1e-4, true);
  gemmCase(dev, "gemv f32 x bf16 -> f32 decode-sized", HYB_DTYPE_F32,
           HYB_DTYPE_BF16, HYB_DTYPE_F32, 1, 2048, 5504, 1, 5e-4, true);
  // Model-sized: a prefill projection and a decode one on bf16 weights.
  gemmCase(dev, "gemm f32 x bf16 -> f32 prefill-sized", HYB_DTYPE_F32,
           HYB_DTYPE_BF16, HYB_DTYPE_F32, 128, 2048, 1024, 1, 2e-3);
  gemmCase(dev, "gemm bf16 x bf16 -> bf16 decode-sized", HYB_DTYPE_BF16,
           HYB_DTYPE_BF16, HYB_DTYPE_BF16, 1, 4096, 4096, 1, 1.0 / 64);

  // launch with 64 KiB of dynamic shared memory: y += 2 x.
  const uint64_t n = 1000;
  std::vector<float> x = randoms(n, 4), y = randoms(n, 5);
  void *dx = dev.upload(encode(x, HYB_DTYPE_F32));
  void *dy = dev.upload(encode(y, HYB_DTYPE_F32));
  {
    float a = 2.0f;
    uint64_t count = n, pad = 60u << 10;
    void *params[] = {&a, &dx, &dy, &count, &pad};
    dev.env.device_ops->launch(&dev.env, 1, (n + 255) / 256, 1, 1, 256, 1, 1,
                               64u << 10, params);
    std::string err = dev.sync();
    std::vector<float> out = decode(dev.download(dy, n * 4), HYB_DTYPE_F32);
    bool ok = err.empty();
    for (uint64_t i = 0; ok && i < n; ++i)
      ok = out[i] == std::fma(2.0f, x[i], y[i]);
    report(ok, "launch mock_axpy with 64 KiB dynamic shared memory", err);
    y = out;
  }

  // Errors name the kernel and the GEMM, and clear at synchronize.
  {
    dev.env.device_ops->launch(&dev.env, 7, 1, 1, 1, 1, 1, 1, 0, nullptr);
    std::string err = dev.sync();
    report(err.find("kernel index 7") != std::string::npos,
           "a bad kernel index is reported", err);
    hyb_gemm_t g = {};
    g.a_dtype = g.b_dtype = g.c_dtype = HYB_DTYPE_F32;
    g.m = 4, g.n = 4, g.k = 8, g.batch = 1, g.lda = 2, g.ldb = 8, g.ldc = 4;
    g.a = g.b = g.c = dx;
    dev.env.device_ops->gemm(&dev.env, &g);
    err = dev.sync();
    report(err.find("gemm m=4 n=4 k=8") != std::string::npos &&
               err.find("lda=2") != std::string::npos,
           "a bad GEMM is reported with m, n, k", err);
    report(dev.sync().empty(), "errors clear at synchronize");
  }

  // alloc/free, and graphs: a replayable call captured once, replayed. The
  // call: T = A B^T into a temporary (alloc), y += 1 * T[0, :n], free.
  {
    static int hostRuns = 0;
    static void *A, *B, *Y;
    std::vector<float> av = randoms(8 * 16, 6), bv = randoms(n * 16, 7);
    A = dev.upload(encode(av, HYB_DTYPE_F32));
    B = dev.upload(encode(bv, HYB_DTYPE_F32));
    Y = dy;
    EntryFn fn = [](void **, const hyb_env_t *env) {
      ++hostRuns;
      const hyb_device_ops_t *ops = env->device_ops;
      void *t = ops->alloc(env, 8 * 1000 * 4);
      hyb_gemm_t g = {};
      g.a_dtype = g.b_dtype = g.c_dtype = HYB_DTYPE_F32;
      g.m = 8, g.n = 1000, g.k = 16, g.batch = 1;
      g.a = A, g.lda = 16, g.b = B, g.ldb = 16, g.c = t, g.ldc = 1000;
      g.alpha = 1, g.beta = 0;
      ops->gemm(env, &g);
      float a = 1.0f;
      uint64_t count = 1000, pad = 0;
      void *params[] = {&a, &t, &Y, &count, &pad};
      ops->launch(env, 1, 4, 1, 1, 256, 1, 1, 1024, params);
      ops->free(env, t);
    };
    std::vector<double> row(n);
    for (uint64_t j = 0; j < n; ++j)
      for (int p = 0; p < 16; ++p)
        row[j] += double(av[size_t(p)]) * double(bv[size_t(j * 16 + p)]);
    auto runs = [&](bool replayable, int times) {
      int before = hostRuns;
      std::vector<float> start = decode(dev.download(dy, n * 4), HYB_DTYPE_F32);
      int64_t words[3] = {1, 2, 3};
      LaunchInfo info;
      info.entryName = "smoke";
      info.replayable = replayable;
      info.descriptorWords = words;
      info.numDescriptorWords = 3;
      std::string err;
      for (int i = 0; i < times && err.empty(); ++i) {
        err = take(dev.backend->launch(fn, nullptr, &dev.env, info));
        if (err.empty())
          err = dev.sync();
      }
      std::vector<float> out = decode(dev.download(dy, n * 4), HYB_DTYPE_F32);
      double worst = 0;
      for (uint64_t j = 0; j < n; ++j)
        worst = std::max(worst, std::fabs(out[j] - (start[j] + times * row[j])));
      int ran = hostRuns - before;
      char detail[200];
      std::snprintf(detail, sizeof detail,
                    "host code ran %d times for %d calls, worst error %.3g%s%s",
                    ran, times, worst, err.empty() ? "" : ": ", err.c_str());
      return std::make_pair(err.empty() && worst < 1e-3, std::string(detail)) ;
    };
    const char *graphs = std::getenv("HYBRID_CUDA_GRAPHS");
    bool graphsOn = !(graphs && std::strcmp(graphs, "0") == 0);
    int before = hostRuns;
    auto [ok1, d1] = runs(true, 5);
    int expected = graphsOn ? 1 : 5;
    report(ok1 && hostRuns - before == expected,
           graphsOn ? "graph: captured once, replayed 4 times, with "
                      "alloc/free inside"
                    : "HYBRID_CUDA_GRAPHS=0: every call runs its host code",
           d1);
    before = hostRuns;
    auto [ok2, d2] = runs(false, 3);
    report(ok2 && hostRuns - before == 3,
           "a call that is not replayable runs its host code each time", d2);
  }
}

//===-- The mock CUDA artifact through the C API --------------------------===//

constexpr int64_t kV = 64, kH = 32;

/// A safetensors file of the mock's weights: embed f32 [64, 32], lm_head
/// bf16 [64, 32].
std::string writeWeights(const std::vector<float> &embed,
                         const std::vector<float> &head) {
  std::vector<uint8_t> e = encode(embed, HYB_DTYPE_F32),
                       h = encode(head, HYB_DTYPE_BF16);
  std::string header =
      "{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[64,32],"
      "\"data_offsets\":[0," + std::to_string(e.size()) + "]},"
      "\"lm_head.weight\":{\"dtype\":\"BF16\",\"shape\":[64,32],"
      "\"data_offsets\":[" + std::to_string(e.size()) + "," +
      std::to_string(e.size() + h.size()) + "]}}";
  while (header.size() % 8)
    header += ' ';
  char path[] = "/tmp/hybrid-cuda-smoke-XXXXXX";
  int fd = mkstemp(path);
  uint64_t len = header.size();
  bool ok = fd >= 0 && write(fd, &len, 8) == 8 &&
            write(fd, header.data(), len) == ssize_t(len) &&
            write(fd, e.data(), e.size()) == ssize_t(e.size()) &&
            write(fd, h.data(), h.size()) == ssize_t(h.size());
  if (fd >= 0)
    close(fd);
  if (!ok)
    throw std::runtime_error("cannot write the weights file");
  return path;
}

/// The mock model on the host: state and logits after |tokens|.
struct HostModel {
  const std::vector<float> &embed, &head; // head already bf16-rounded
  std::vector<float> h = std::vector<float>(kH, 0.0f);
  int64_t position = 0;
  std::vector<float> step(int64_t x) {
    for (int64_t j = 0; j < kH; ++j) {
      float f4 = float(position) * 0.001f;
      float f5 = embed[size_t(x * kH + j)] + f4;
      h[size_t(j)] = std::fma(h[size_t(j)], 0.5f, f5);
    }
    ++position;
    // f32 activations times bf16 weights keep f32 accuracy (two bf16
    // terms of h in one GEMM).
    std::vector<float> hb = h, logits(kV);
    for (int64_t v = 0; v < kV; ++v) {
      double s = 0;
      for (int64_t j = 0; j < kH; ++j)
        s += double(hb[size_t(j)]) * double(head[size_t(v * kH + j)]);
      logits[size_t(v)] = float(s);
    }
    return logits;
  }
};

double maxDiff(const float *a, const float *b, size_t n) {
  double worst = 0;
  for (size_t i = 0; i < n; ++i)
    worst = std::max(worst, double(std::fabs(a[i] - b[i])));
  return worst;
}

void artifactTests(const char *artifact) {
  std::vector<float> embed = randoms(size_t(kV * kH), 8),
                     head = rounded(randoms(size_t(kV * kH), 9), HYB_DTYPE_BF16);
  std::string weights = writeWeights(embed, head);
  auto load = [&](hyb_module_t **m) {
    hyb_module_options_t mo;
    hyb_module_options_init(&mo);
    mo.device = HYB_DEVICE_AUTO;
    std::string e = take(hyb_module_load_with_options(artifact, &mo, m));
    if (e.empty())
      e = take(hyb_module_bind_weights(*m, weights.c_str()));
    return e;
  };
  hyb_module_t *m = nullptr;
  if (std::string e = load(&m); !e.empty())
    return report(false, "load the mock CUDA artifact", e);
  report(std::string(hyb_module_target_kind(m)) == "cuda",
         "mock CUDA artifact loads (PTX JIT) and binds its weights");
  const int64_t B = 2, T = 5;
  hyb_session_options_t so;
  hyb_session_options_init(&so);
  so.batch_size = B;
  hyb_session_t *s = nullptr;
  if (std::string e = take(hyb_session_create(m, &so, &s)); !e.empty())
    return report(false, "session", e);
  std::vector<int64_t> prompt = {3, 9, 27, 17, 51, 60, 1, 2, 4, 8};
  std::vector<float> logits(size_t(B * T * kV));
  std::string err = take(hyb_session_prefill(s, prompt.data(), T, logits.data()));
  std::vector<HostModel> host(size_t(B), HostModel{embed, head});
  std::vector<float> want(logits.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      std::vector<float> l = host[size_t(b)].step(prompt[size_t(b * T + t)]);
      std::copy(l.begin(), l.end(), want.begin() + (b * T + t) * kV);
    }
  double d = maxDiff(logits.data(), want.data(), want.size());
  report(err.empty() && d < 1e-4, "prefill logits match the host model",
         err.empty() ? "max diff " + std::to_string(d) : err);
  std::vector<float> state(size_t(B * kH));
  err = take(hyb_session_read_state(s, 0, state.data(), state.size() * 4));
  bool exact = err.empty();
  for (int64_t b = 0; b < B && exact; ++b)
    exact = std::memcmp(state.data() + b * kH, host[size_t(b)].h.data(),
                        kH * 4) == 0;
  report(exact, "prefill state is bit-exact", err);

  // Fork before decoding: the fork must decode identically.
  hyb_session_t *f = nullptr;
  err = take(hyb_session_fork(s, &f));
  char path[] = "/tmp/hybrid-cuda-smoke-state-XXXXXX";
  int fd = mkstemp(path);
  if (fd >= 0)
    close(fd);
  if (err.empty())
    err = take(hyb_session_save(s, path));
  report(err.empty(), "fork and save", err);

  // Decode 4 steps (graph-captured after the first), against the host.
  void *self = dlopen(artifact, RTLD_NOW | RTLD_NOLOAD);
  auto *calls = self ? static_cast<int64_t *>(dlsym(self, "mock_cuda_calls")) : nullptr;
  int64_t callsBefore = calls ? *calls : -1;
  std::vector<int64_t> next = {5, 6};
  std::vector<float> step(size_t(B * kV)), decodeLogits;
  double worst = 0;
  for (int i = 0; i < 4 && err.empty(); ++i) {
    err = take(hyb_session_decode(s, next.data(), step.data()));
    for (int64_t b = 0; b < B; ++b) {
      std::vector<float> l = host[size_t(b)].step(next[size_t(b)]);
      worst = std::max(worst, maxDiff(step.data() + b * kV, l.data(), kV));
      next[size_t(b)] = (next[size_t(b)] * 7 + i) % kV;
    }
    decodeLogits.insert(decodeLogits.end(), step.begin(), step.end());
  }
  const char *graphs = std::getenv("HYBRID_CUDA_GRAPHS");
  bool graphsOn = !(graphs && std::strcmp(graphs, "0") == 0);
  int64_t hostCalls = calls ? *calls - callsBefore : -1;
  report(err.empty() && worst < 1e-4 && hostCalls == (graphsOn ? 1 : 4),
         "4 decode steps match the host model",
         err.empty() ? "max diff " + std::to_string(worst) + ", host code ran " +
                           std::to_string(hostCalls) + " times"
                     : err);
  std::vector<float> stateAfter(size_t(B * kH));
  take(hyb_session_read_state(s, 0, stateAfter.data(), stateAfter.size() * 4));
  exact = true;
  for (int64_t b = 0; b < B; ++b)
    exact &= std::memcmp(stateAfter.data() + b * kH, host[size_t(b)].h.data(),
                         kH * 4) == 0;
  report(exact, "state after decode is bit-exact");

  // The fork and a loaded session decode the same steps identically.
  auto replay = [&](hyb_session_t *t) {
    std::vector<int64_t> n2 = {5, 6};
    std::vector<float> out, st(size_t(B * kV));
    for (int i = 0; i < 4; ++i) {
      if (std::string e = take(hyb_session_decode(t, n2.data(), st.data()));
          !e.empty())
        return std::make_pair(out, e);
      out.insert(out.end(), st.begin(), st.end());
      for (int64_t b = 0; b < B; ++b)
        n2[size_t(b)] = (n2[size_t(b)] * 7 + i) % kV;
    }
    return std::make_pair(out, std::string());
  };
  if (f) {
    auto [out, e] = replay(f);
    report(e.empty() && out == decodeLogits, "fork decodes identically", e);
  }
  hyb_session_t *loaded = nullptr;
  err = take(hyb_session_create(m, &so, &loaded));
  if (err.empty())
    err = take(hyb_session_load(loaded, path));
  if (err.empty()) {
    auto [out, e] = replay(loaded);
    err = e;
    report(e.empty() && out == decodeLogits, "save/load decodes identically", e);
  } else {
    report(false, "save/load decodes identically", err);
  }

  // Per-sequence state: sequence 1 of s into sequence 0 of |loaded|.
  size_t seqBytes = hyb_session_sequence_state_size(s);
  std::vector<uint8_t> seq(seqBytes);
  err = take(hyb_session_get_sequence_state(s, 1, seq.data(), seqBytes));
  if (err.empty() && loaded)
    err = take(hyb_session_set_sequence_state(loaded, 0, seq.data(), seqBytes));
  std::vector<float> ls(size_t(B * kH));
  if (err.empty())
    err = take(hyb_session_read_state(loaded, 0, ls.data(), ls.size() * 4));
  report(err.empty() && std::memcmp(ls.data(), stateAfter.data() + kH, kH * 4) == 0 &&
             hyb_session_position(loaded, 0) == hyb_session_position(s, 1),
         "sequence state get/set moves one sequence", err);

  // One prefill of all 9 tokens equals prefill 5 + 4 decodes (state).
  err = take(hyb_session_reset(s));
  std::vector<int64_t> all(size_t(B * 9));
  {
    std::vector<int64_t> n2 = {5, 6};
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        all[size_t(b * 9 + t)] = prompt[size_t(b * T + t)];
    for (int i = 0; i < 4; ++i)
      for (int64_t b = 0; b < B; ++b) {
        all[size_t(b * 9 + T + i)] = n2[size_t(b)];
        n2[size_t(b)] = (n2[size_t(b)] * 7 + i) % kV;
      }
  }
  std::vector<float> longLogits(size_t(B * 9 * kV));
  if (err.empty())
    err = take(hyb_session_prefill(s, all.data(), 9, longLogits.data()));
  std::vector<float> longState(size_t(B * kH));
  if (err.empty())
    err = take(hyb_session_read_state(s, 0, longState.data(), longState.size() * 4));
  report(err.empty() && longState == stateAfter,
         "reset, then one 9-token prefill = prefill 5 + decode 4", err);

  // HYBRID_CUDA_GRAPHS=0 in a second module: the same logits, bit for bit.
  if (graphsOn) {
    setenv("HYBRID_CUDA_GRAPHS", "0", 1);
    hyb_module_t *m2 = nullptr;
    err = load(&m2);
    hyb_session_t *s2 = nullptr;
    if (err.empty())
      err = take(hyb_session_create(m2, &so, &s2));
    if (err.empty())
      err = take(hyb_session_prefill(s2, prompt.data(), T, logits.data()));
    std::vector<float> out;
    if (err.empty()) {
      auto [o, e] = replay(s2);
      out = o;
      err = e;
    }
    report(err.empty() && out == decodeLogits,
           "HYBRID_CUDA_GRAPHS=0 decodes the same logits bit for bit", err);
    hyb_session_free(s2);
    hyb_module_free(m2);
    unsetenv("HYBRID_CUDA_GRAPHS");
  }

  // Two sessions decoding on two threads at once (one plan cache, two
  // streams) give what one gave alone.
  {
    std::vector<float> outs[2];
    std::string errs[2];
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&, t] {
        hyb_session_t *c = nullptr;
        errs[t] = take(hyb_session_create(m, &so, &c));
        std::vector<float> pl(size_t(B * T * kV));
        if (errs[t].empty())
          errs[t] = take(hyb_session_prefill(c, prompt.data(), T, pl.data()));
        if (errs[t].empty()) {
          auto [o, e] = replay(c);
          outs[t] = o;
          errs[t] = e;
        }
        hyb_session_free(c);
      });
    for (auto &th : threads)
      th.join();
    report(errs[0].empty() && errs[1].empty() && outs[0] == decodeLogits &&
               outs[1] == decodeLogits,
           "two sessions on two threads decode like one", errs[0] + errs[1]);
  }

  hyb_session_free(loaded);
  hyb_session_free(f);
  hyb_session_free(s);
  hyb_module_free(m);
  unlink(path);
  unlink(weights.c_str());
}

} // namespace

int main(int argc, char **argv) {
  try {
    deviceOpTests();
    if (argc > 1)
      artifactTests(argv[1]);
  } catch (const std::exception &e) {
    report(false, "unexpected exception", e.what());
  }
  std::printf("cuda-smoke: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
