//===- gemv-bench.cpp - The GEMV kernels' bandwidth against the copy's
//-----===//
//
// hybrid-gpu-gemv-bench [REPLAYS]: times the runtime's GEMV kernel (f32 A,
// bf16 B, one row of A: a decode step's projection) at the shapes of the
// 1.3B benchmark configs, under the runtime's tiling and a few others, and
// prints each as GB/s of B read and as a ratio of the device's copy
// bandwidth measured in the same process. Each measurement is one CUDA
// graph of 64 launches replayed (as a decode step is), every launch on its
// own copy of B out of 512 MiB of them, so that B comes from HBM and not
// from the 50 MB L2. Without a GPU it says so in one line and exits 77.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/backend.h"
#include "runtime/src/cuda/cuda_backend.h"
#include "runtime/src/cuda/gemv.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace hyb;

namespace {

std::string take(hyb_status_t st) {
  std::string s = st ? hyb_status_message(st) : "";
  hyb_status_free(st);
  return s;
}

struct Shape {
  const char *what;
  uint64_t n, k;
};

/// Decode projections of bench/configs/*-1.3b (n rows of B, k columns).
const Shape kShapes[] = {
    {"llama q/k/v merged", 6144, 2048}, {"llama o_proj", 2048, 2048},
    {"llama gate/up", 11008, 2048},     {"llama down_proj", 2048, 5504},
    {"mamba2 in_proj", 8512, 2048},     {"mamba2 out_proj", 2048, 4096},
    {"llama lm_head", 32000, 2048},     {"mamba2 lm_head", 50288, 2048},
};

/// The runtime's tilings first, then others to compare.
const cu::GemvTiling kTilings[] = {
    cu::kGemvTilings[0], cu::kGemvTilings[1], cu::kGemvTilings[2], {8, 128, 2},
    {2, 128, 4},         {4, 64, 4},          {8, 256, 1},         {4, 128, 8},
};

constexpr int kLaunchesPerGraph = 64;

// What the captured entry launches (an EntryFn has no closure).
struct Launch {
  uint32_t kernel;
  unsigned blocks, threads;
  void *c, *a;
  std::vector<void *> b;
  uint64_t n, k;
} launch;

void enqueue(void **, const hyb_env_t *env) {
  for (int i = 0; i < kLaunchesPerGraph; ++i) {
    void *c = launch.c, *a = launch.a,
         *b = launch.b[size_t(i) % launch.b.size()];
    uint64_t m = 1, n = launch.n, k = launch.k, lda = k, ldb = k, ldc = n;
    uint64_t sa = 0, sb = 0, sc = 0;
    float alpha = 1, beta = 0;
    void *params[] = {&c,   &a,   &b,  &m,  &n,  &k,     &lda,
                      &ldb, &ldc, &sa, &sb, &sc, &alpha, &beta};
    env->device_ops->launch(env, launch.kernel, launch.blocks, 1, 1,
                            launch.threads, 1, 1, 0, params);
  }
}

} // namespace

int main(int argc, char **argv) {
  const int replays = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  std::unique_ptr<Backend> backend;
  BackendOptions options;
  if (std::string e = take(createBackend(HYB_DEVICE_CUDA, options, &backend));
      !e.empty()) {
    std::printf("gemv-bench: skipped: %s\n", e.c_str());
    return 77;
  }
  DeviceCode code;
  std::string ptx = ".version 7.0\n.target sm_80\n.address_size 64\n";
  code.arch = "sm_80";
  for (const cu::GemvTiling &t : kTilings) {
    std::string name = std::string("gemv_r") + std::to_string(t.rowsPerBlock) +
                       "_t" + std::to_string(t.threads) + "_u" +
                       std::to_string(t.unroll);
    ptx += cu::gemvKernelPtx(name, 2, t);
    code.kernels.push_back(name);
  }
  code.ptx = ptx.c_str();
  if (std::string e = take(backend->loadDeviceCode(code)); !e.empty()) {
    std::printf("gemv-bench: the kernels do not load: %s\n", e.c_str());
    return 1;
  }
  hyb_env_t env = {};
  env.abi_version = HYB_ABI_VERSION;
  env.struct_size = sizeof(hyb_env_t);
  if (std::string e = take(backend->initEnv(&env)); !e.empty()) {
    std::printf("gemv-bench: %s\n", e.c_str());
    return 1;
  }
  double copy = 0;
  std::string gpu;
  if (std::string e =
          take(measureCudaCopyBandwidth(1ull << 30, 10, &copy, &gpu));
      !e.empty()) {
    std::printf("gemv-bench: %s\n", e.c_str());
    return 1;
  }
  std::printf("device: %s, copy bandwidth %.0f GB/s\n", gpu.c_str(),
              copy / 1e9);
  std::printf("| shape | n | k | MB | tiling (rows/block, threads, unroll) | "
              "us | GB/s | / copy |\n|---|---|---|---|---|---|---|---|\n");

  std::vector<DeviceBuffer> buffers;
  auto alloc = [&](uint64_t bytes) -> void * {
    DeviceBuffer b;
    if (std::string e = take(backend->allocate(bytes, &b)); !e.empty()) {
      std::printf("gemv-bench: %s\n", e.c_str());
      std::exit(1);
    }
    take(backend->zero(b));
    buffers.push_back(b);
    return b.ptr;
  };
  const uint64_t pool = 512ull << 20;
  int64_t key = 0;
  for (const Shape &s : kShapes) {
    const uint64_t bBytes = s.n * s.k * 2;
    launch.n = s.n, launch.k = s.k;
    launch.a = alloc(s.k * 4);
    launch.c = alloc(s.n * 4);
    launch.b.clear();
    for (uint64_t used = 0; used < pool || launch.b.empty(); used += bBytes)
      launch.b.push_back(alloc(bBytes));
    for (size_t v = 0; v < std::size(kTilings); ++v) {
      const cu::GemvTiling &t = kTilings[v];
      launch.kernel = uint32_t(v);
      launch.threads = t.threads;
      launch.blocks = unsigned((s.n + t.rowsPerBlock - 1) / t.rowsPerBlock);
      int64_t words[1] = {++key};
      LaunchInfo info;
      info.entryName = "gemv-bench";
      info.replayable = true;
      info.descriptorWords = words;
      info.numDescriptorWords = 1;
      double best = 1e30;
      for (int r = 0; r <= replays; ++r) { // r = 0 captures and warms up
        auto t0 = std::chrono::steady_clock::now();
        std::string e = take(backend->launch(enqueue, nullptr, &env, info));
        if (e.empty())
          e = take(backend->synchronize(&env));
        auto t1 = std::chrono::steady_clock::now();
        if (!e.empty()) {
          std::printf("gemv-bench: %s: %s\n", s.what, e.c_str());
          return 1;
        }
        if (r > 0)
          best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
      }
      const double us = best / kLaunchesPerGraph * 1e6;
      const double gbs = double(bBytes) / (us * 1e-6) / 1e9;
      std::printf("| %s | %llu | %llu | %.1f | %u, %u, %u%s | %.2f | %.0f | "
                  "%.3f |\n",
                  s.what, (unsigned long long)s.n, (unsigned long long)s.k,
                  double(bBytes) / 1e6, t.rowsPerBlock, t.threads, t.unroll,
                  v < cu::kNumGemvTilings &&
                          v == cu::gemvTilingFor(int64_t(s.k), 2)
                      ? " (runtime)"
                      : "",
                  us, gbs, gbs * 1e9 / copy);
    }
    for (auto &b : buffers)
      backend->release(b);
    buffers.clear();
  }
  backend->releaseEnv(&env);
  return 0;
}
