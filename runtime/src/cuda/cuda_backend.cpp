//===- cuda_backend.cpp - The CUDA backend --------------------------------===//
//
// Device memory for weights, state and staged inputs and outputs; the
// artifact's kernels (its cubin, or its PTX JIT-compiled where the cubin
// does not run); one stream, cuBLASLt workspace and CUDA-graph cache per
// session; and the device ops of hybrid/abi.h (launch, gemm, alloc, free)
// that an artifact's host code calls. docs/ABI.md, "CUDA artifacts", is the
// contract; docs/Runtime.md says how a session runs on the GPU.
//
// Every call the host code makes through the device ops enqueues on the
// session's stream and returns; the first failure is kept in the session
// and reported by synchronize(), naming the kernel or the GEMM. After it,
// the rest of the call's device ops do nothing.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/cuda/cuda_backend.h"
#include "runtime/src/dtype.h"
#include "runtime/src/cuda/cublaslt.h"
#include "runtime/src/cuda/cuda_driver.h"
#include "runtime/src/cuda/gemv.h"
#include "runtime/src/cuda/launch_profile.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <mutex>
#include <set>

namespace hyb {

namespace {

/// env->workspace: the artifact's scratch (split-K partial sums).
constexpr uint64_t kArtifactWorkspaceBytes = 32ull << 20;
/// The session's cuBLASLt workspace, apart from the artifact's: host code
/// may keep partial sums in env->workspace across a GEMM.
constexpr uint64_t kGemmWorkspaceBytes = 32ull << 20;
/// Kernels may use 48 KiB of dynamic shared memory without asking.
constexpr uint32_t kDefaultDynamicSharedBytes = 48u << 10;
/// Decode graphs a session keeps (one per distinct set of descriptors: a
/// session's staged buffers are stable, so one or two in practice).
constexpr size_t kMaxGraphsPerSession = 16;
/// hyb_device_ops_t.alloc's promise.
constexpr uint64_t kAllocAlignment = 256;

/// f32 activations to the weights' bf16 or f16 (TYPE) before a GEMM:
/// dst[i] = src[b * stride + r * ld + c] for i = (b * rows + r) * cols + c
/// < count, one thread an element. Hand-written PTX (no nvcc at build
/// time), JIT-compiled once per backend.
const char kConvertKernelPtx[] = R"(.visible .entry hyb_convert_f32_to_TYPE(
    .param .u64 p_dst, .param .u64 p_src, .param .u64 p_count,
    .param .u64 p_rows, .param .u64 p_cols, .param .u64 p_ld,
    .param .u64 p_stride)
{
  .reg .pred %p;
  .reg .b32 %r<4>;
  .reg .b64 %rd<18>;
  .reg .f32 %f;
  .reg .b16 %h;
  ld.param.u64 %rd1, [p_dst];
  ld.param.u64 %rd2, [p_src];
  ld.param.u64 %rd3, [p_count];
  ld.param.u64 %rd4, [p_rows];
  ld.param.u64 %rd5, [p_cols];
  ld.param.u64 %rd6, [p_ld];
  ld.param.u64 %rd7, [p_stride];
  mov.u32 %r1, %ctaid.x;
  mov.u32 %r2, %ntid.x;
  mov.u32 %r3, %tid.x;
  mul.wide.u32 %rd8, %r1, %r2;
  cvt.u64.u32 %rd9, %r3;
  add.u64 %rd10, %rd8, %rd9;
  setp.ge.u64 %p, %rd10, %rd3;
  @%p bra DONE;
  rem.u64 %rd11, %rd10, %rd5;
  div.u64 %rd12, %rd10, %rd5;
  rem.u64 %rd13, %rd12, %rd4;
  div.u64 %rd14, %rd12, %rd4;
  mul.lo.u64 %rd15, %rd14, %rd7;
  mad.lo.u64 %rd15, %rd13, %rd6, %rd15;
  add.u64 %rd15, %rd15, %rd11;
  shl.b64 %rd15, %rd15, 2;
  add.u64 %rd15, %rd2, %rd15;
  ld.global.f32 %f, [%rd15];
  cvt.rn.TYPE.f32 %h, %f;
  shl.b64 %rd16, %rd10, 1;
  add.u64 %rd16, %rd1, %rd16;
  st.global.b16 [%rd16], %h;
DONE:
  ret;
}
)";

/// The split and combine kernels of the f32 x bf16 GEMM.
const char kSplitPtx[] = R"(/// f32 activations as two bf16 terms before a GEMM with bf16 weights, so
/// that the product keeps f32 accuracy: hi = bf16(x), lo = bf16(x - hi).
/// For batch b, row r < rows, column c < cols: hi at row r and lo at row
/// rows + r of a [2 * rows, cols] matrix per batch; one GEMM of 2 * rows
/// rows reads the weights once (decode stays bandwidth-bound), and
/// hyb_combine_split_f32 adds the two halves of its result.
.visible .entry hyb_split_f32_to_bf16(
    .param .u64 p_dst, .param .u64 p_src, .param .u64 p_count,
    .param .u64 p_rows, .param .u64 p_cols, .param .u64 p_ld,
    .param .u64 p_stride)
{
  .reg .pred %p;
  .reg .b32 %r<6>;
  .reg .b64 %rd<20>;
  .reg .f32 %f<3>;
  .reg .b16 %h<2>;
  ld.param.u64 %rd1, [p_dst];
  ld.param.u64 %rd2, [p_src];
  ld.param.u64 %rd3, [p_count];
  ld.param.u64 %rd4, [p_rows];
  ld.param.u64 %rd5, [p_cols];
  ld.param.u64 %rd6, [p_ld];
  ld.param.u64 %rd7, [p_stride];
  mov.u32 %r1, %ctaid.x;
  mov.u32 %r2, %ntid.x;
  mov.u32 %r3, %tid.x;
  mul.wide.u32 %rd8, %r1, %r2;
  cvt.u64.u32 %rd9, %r3;
  add.u64 %rd10, %rd8, %rd9;
  setp.ge.u64 %p, %rd10, %rd3;
  @%p bra DONE;
  rem.u64 %rd11, %rd10, %rd5;
  div.u64 %rd12, %rd10, %rd5;
  rem.u64 %rd13, %rd12, %rd4;
  div.u64 %rd14, %rd12, %rd4;
  mul.lo.u64 %rd15, %rd14, %rd7;
  mad.lo.u64 %rd15, %rd13, %rd6, %rd15;
  add.u64 %rd15, %rd15, %rd11;
  shl.b64 %rd15, %rd15, 2;
  add.u64 %rd15, %rd2, %rd15;
  ld.global.f32 %f0, [%rd15];
  cvt.rn.bf16.f32 %h0, %f0;
  cvt.u32.u16 %r4, %h0;
  shl.b32 %r4, %r4, 16;
  mov.b32 %f1, %r4;
  sub.f32 %f2, %f0, %f1;
  cvt.rn.bf16.f32 %h1, %f2;
  mul.lo.u64 %rd16, %rd14, %rd4;
  shl.b64 %rd16, %rd16, 1;
  add.u64 %rd16, %rd16, %rd13;
  mul.lo.u64 %rd16, %rd16, %rd5;
  add.u64 %rd16, %rd16, %rd11;
  shl.b64 %rd16, %rd16, 1;
  add.u64 %rd17, %rd1, %rd16;
  st.global.b16 [%rd17], %h0;
  mul.lo.u64 %rd18, %rd4, %rd5;
  shl.b64 %rd18, %rd18, 1;
  add.u64 %rd17, %rd17, %rd18;
  st.global.b16 [%rd17], %h1;
DONE:
  ret;
}
/// C[b * stride + r * ld + c] = alpha * (T[b][r][c] + T[b][rows + r][c])
///                              + beta * C[...] (C not read if beta is 0),
/// T the [batch, 2 * rows, cols] f32 result of the split GEMM.
.visible .entry hyb_combine_split_f32(
    .param .u64 p_dst, .param .u64 p_src, .param .u64 p_count,
    .param .u64 p_rows, .param .u64 p_cols, .param .u64 p_ld,
    .param .u64 p_stride, .param .f32 p_alpha, .param .f32 p_beta)
{
  .reg .pred %p<2>;
  .reg .b32 %r<4>;
  .reg .b64 %rd<20>;
  .reg .f32 %f<8>;
  ld.param.u64 %rd1, [p_dst];
  ld.param.u64 %rd2, [p_src];
  ld.param.u64 %rd3, [p_count];
  ld.param.u64 %rd4, [p_rows];
  ld.param.u64 %rd5, [p_cols];
  ld.param.u64 %rd6, [p_ld];
  ld.param.u64 %rd7, [p_stride];
  ld.param.f32 %f1, [p_alpha];
  ld.param.f32 %f2, [p_beta];
  mov.u32 %r1, %ctaid.x;
  mov.u32 %r2, %ntid.x;
  mov.u32 %r3, %tid.x;
  mul.wide.u32 %rd8, %r1, %r2;
  cvt.u64.u32 %rd9, %r3;
  add.u64 %rd10, %rd8, %rd9;
  setp.ge.u64 %p0, %rd10, %rd3;
  @%p0 bra DONE;
  rem.u64 %rd11, %rd10, %rd5;
  div.u64 %rd12, %rd10, %rd5;
  rem.u64 %rd13, %rd12, %rd4;
  div.u64 %rd14, %rd12, %rd4;
  mul.lo.u64 %rd16, %rd14, %rd4;
  shl.b64 %rd16, %rd16, 1;
  add.u64 %rd16, %rd16, %rd13;
  mul.lo.u64 %rd16, %rd16, %rd5;
  add.u64 %rd16, %rd16, %rd11;
  shl.b64 %rd16, %rd16, 2;
  add.u64 %rd17, %rd2, %rd16;
  ld.global.f32 %f3, [%rd17];
  mul.lo.u64 %rd18, %rd4, %rd5;
  shl.b64 %rd18, %rd18, 2;
  add.u64 %rd17, %rd17, %rd18;
  ld.global.f32 %f4, [%rd17];
  add.f32 %f5, %f3, %f4;
  mul.f32 %f5, %f5, %f1;
  mul.lo.u64 %rd15, %rd14, %rd7;
  mad.lo.u64 %rd15, %rd13, %rd6, %rd15;
  add.u64 %rd15, %rd15, %rd11;
  shl.b64 %rd15, %rd15, 2;
  add.u64 %rd15, %rd1, %rd15;
  setp.eq.f32 %p1, %f2, 0f00000000;
  @%p1 bra STORE;
  ld.global.f32 %f6, [%rd15];
  fma.rn.f32 %f5, %f2, %f6, %f5;
STORE:
  st.global.f32 [%rd15], %f5;
DONE:
  ret;
}
)";

/// The module of the conversion kernels: a header, the conversion kernel
/// for each 16-bit type, the split GEMM's kernels.
std::string convertPtx() {
  std::string text = R"(.version 7.0
.target sm_80
.address_size 64
)";
  for (const char *type : {"bf16", "f16"}) {
    std::string kernel = kConvertKernelPtx;
    for (size_t at; (at = kernel.find("TYPE")) != std::string::npos;)
      kernel.replace(at, 4, type);
    text += kernel;
  }
  return text + kSplitPtx + cu::gemvPtx();
}

cu::DevicePtr dptr(const void *p) {
  return cu::DevicePtr(reinterpret_cast<uintptr_t>(p));
}
void *hptr(cu::DevicePtr p) { return reinterpret_cast<void *>(uintptr_t(p)); }

/// The manifest's spelling of a hyb_gemm_t dtype field, "?" if it names
/// none.
const char *dtypeText(int32_t t) {
  return t >= HYB_DTYPE_F32 && t <= HYB_DTYPE_I32
             ? dtypeName(static_cast<hyb_dtype_t>(t))
             : "?";
}

/// cuBLASLt's data type of a float dtype, or -1.
int ltType(int32_t t) {
  switch (t) {
  case HYB_DTYPE_F32: return lt::kDataF32;
  case HYB_DTYPE_BF16: return lt::kDataBF16;
  case HYB_DTYPE_F16: return lt::kDataF16;
  }
  return -1;
}

uint64_t floatSize(int32_t t) { return t == HYB_DTYPE_F32 ? 4 : 2; }

/// The largest power of two <= 256 that divides |address| and, for a
/// batch, the batch stride: what cuBLASLt may assume of every matrix.
uint32_t alignmentOf(const void *address, int64_t batch, int64_t strideBytes) {
  uint64_t bits = uint64_t(reinterpret_cast<uintptr_t>(address)) | 256;
  if (batch > 1)
    bits |= uint64_t(strideBytes) | 256;
  return uint32_t(bits & (~bits + 1));
}

class CudaBackend;

/// One session's part of the backend: env->device_context.
struct Session {
  CudaBackend *backend = nullptr;
  cu::Stream stream = nullptr;
  cu::DevicePtr workspace = 0, gemmWorkspace = 0;
  /// The first failure of the calls since the last synchronize, and its
  /// driver result (0 for a failure that is not the driver's).
  std::string firstError;
  cu::Result firstErrorCode = 0;
  const char *entryName = "";
  /// Decode graphs by (function, seed, descriptor words).
  std::map<std::vector<int64_t>, cu::GraphExec> graphs;
  /// HYBRID_CUDA_PROFILE's per-kernel times (launch_profile.h).
  cu::LaunchProfile profile;

  bool failed() const { return !firstError.empty(); }
  void record(std::string message, cu::Result code = 0) {
    if (failed())
      return;
    firstError = "entry point '" + std::string(entryName) + "': " + message;
    firstErrorCode = code;
  }
};

Session *sessionOf(const hyb_env_t *env) {
  return static_cast<Session *>(env->device_context);
}

/// A cached cuBLASLt plan: descriptors, layouts and the heuristic's algo.
struct GemmPlan {
  lt::MatmulDesc desc = nullptr;
  lt::MatrixLayout a = nullptr, b = nullptr, c = nullptr;
  lt::MatmulAlgo algo = {};
};

void opLaunch(const hyb_env_t *env, uint32_t kernel, uint32_t gx, uint32_t gy,
              uint32_t gz, uint32_t bx, uint32_t by, uint32_t bz,
              uint32_t sharedBytes, void **params);
void opGemm(const hyb_env_t *env, const hyb_gemm_t *gemm);
void *opAlloc(const hyb_env_t *env, uint64_t bytes);
void opFree(const hyb_env_t *env, void *ptr);

const hyb_device_ops_t kDeviceOps = {
    sizeof(hyb_device_ops_t), 0, opLaunch, opGemm, opAlloc, opFree,
};

class CudaBackend final : public Backend {
public:
  ~CudaBackend() override {
    if (!d_ || !context_)
      return;
    d_->ctxSetCurrent(context_);
    for (auto &entry : plans_)
      destroyPlan(entry.second);
    if (ltHandle_)
      l_->destroy(ltHandle_);
    if (module_)
      d_->moduleUnload(module_);
    if (convertModule_)
      d_->moduleUnload(convertModule_);
    if (overlapModule_)
      d_->moduleUnload(overlapModule_);
    if (copyStream_)
      d_->streamDestroy(copyStream_);
    d_->devicePrimaryCtxRelease(device_);
  }

  hyb_status_t init(const BackendOptions &) {
    HYB_RETURN_IF_ERROR(cu::loadDriver(&d_));
    int count = 0;
    HYB_RETURN_IF_ERROR(check(d_->deviceGetCount(&count), "cuDeviceGetCount"));
    if (count < 1)
      return error(HYB_STATUS_UNIMPLEMENTED,
                   "cuda backend: the CUDA driver sees no GPU");
    HYB_RETURN_IF_ERROR(check(d_->deviceGet(&device_, ordinal_), "cuDeviceGet"));
    HYB_RETURN_IF_ERROR(check(d_->devicePrimaryCtxRetain(&context_, device_),
                              "cuDevicePrimaryCtxRetain"));
    HYB_RETURN_IF_ERROR(bind());
    d_->deviceGetAttribute(&ccMajor_, cu::kDeviceAttributeComputeCapabilityMajor,
                           device_);
    d_->deviceGetAttribute(&ccMinor_, cu::kDeviceAttributeComputeCapabilityMinor,
                           device_);
    d_->deviceGetAttribute(&maxSharedOptin_,
                           cu::kDeviceAttributeMaxSharedMemoryPerBlockOptin,
                           device_);
    // Stream-ordered temporaries (device_ops->alloc) come back to the pool
    // and stay there instead of going back to the driver at every
    // synchronize.
    cu::MemoryPool pool = nullptr;
    if (d_->deviceGetDefaultMemPool(&pool, device_) == cu::kSuccess) {
      uint64_t keep = UINT64_MAX;
      d_->memPoolSetAttribute(pool, cu::kMemPoolAttrReleaseThreshold, &keep);
    }
    HYB_RETURN_IF_ERROR(check(d_->streamCreate(&copyStream_,
                                               cu::kStreamNonBlocking),
                              "cuStreamCreate"));
    HYB_RETURN_IF_ERROR(lt::loadLibrary(&l_));
    if (lt::Status st = l_->create(&ltHandle_))
      return error(HYB_STATUS_INTERNAL, "cuda backend: ",
                   lt::describe(*l_, st, "cublasLtCreate"));
    HYB_RETURN_IF_ERROR(check(d_->moduleLoadData(&convertModule_, convertPtxText_.c_str()),
                              "cuModuleLoadData (the runtime's conversion "
                              "kernels)"));
    const std::pair<cu::Function *, const char *> runtimeKernels[] = {
        {&toBf16_, "hyb_convert_f32_to_bf16"},
        {&toF16_, "hyb_convert_f32_to_f16"},
        {&splitBf16_, "hyb_split_f32_to_bf16"},
        {&combineSplit_, "hyb_combine_split_f32"}};
    for (auto [function, name] : runtimeKernels)
      HYB_RETURN_IF_ERROR(getRuntimeKernel(function, name));
    for (unsigned i = 0; i < cu::kNumGemvTilings; ++i) {
      HYB_RETURN_IF_ERROR(
          getRuntimeKernel(&gemvBf16_[i], cu::gemvKernelName(2, i).c_str()));
      HYB_RETURN_IF_ERROR(
          getRuntimeKernel(&gemvF32_[i], cu::gemvKernelName(4, i).c_str()));
    }
    const char *overlap = std::getenv("HYBRID_CUDA_OVERLAP");
    overlapSupported_ =
        ccMajor_ >= 9 && !(overlap && std::strcmp(overlap, "0") == 0);
    if (overlapSupported_) {
      const std::string text =
          ".version 7.8\n.target sm_90\n.address_size 64\n" +
          cu::gemvPtx(/*waitForPriorGrid=*/true);
      HYB_RETURN_IF_ERROR(check(d_->moduleLoadData(&overlapModule_,
                                                   text.c_str()),
                                "cuModuleLoadData (the runtime's overlapped "
                                "GEMV kernels)"));
      for (unsigned i = 0; i < cu::kNumGemvTilings; ++i)
        for (auto [slot, bytes] : {std::pair{&gemvBf16Overlapped_[i], 2},
                                   {&gemvF32Overlapped_[i], 4}}) {
          std::string name = cu::gemvKernelName(bytes, i, true);
          HYB_RETURN_IF_ERROR(check(
              d_->moduleGetFunction(slot, overlapModule_, name.c_str()),
              ("cuModuleGetFunction(" + name + ")").c_str()));
        }
    }
    const char *graphs = std::getenv("HYBRID_CUDA_GRAPHS");
    profiling_ = cu::LaunchProfile::requested();
    graphsEnabled_ = !(graphs && std::strcmp(graphs, "0") == 0) && !profiling_;
    return nullptr;
  }

  hyb_device_t device() const override { return HYB_DEVICE_CUDA; }
  const char *name() const override { return "cuda"; }

  //===-- Memory ----------------------------------------------------------===//

  hyb_status_t allocate(uint64_t bytes, DeviceBuffer *out) override {
    HYB_RETURN_IF_ERROR(bind());
    cu::DevicePtr p = 0;
    if (cu::Result r = d_->memAlloc(&p, std::max<uint64_t>(bytes, 1)))
      return annotate(check(r, "cuMemAlloc_v2"),
                      "cuda backend: " + std::to_string(bytes) + " bytes");
    *out = {hptr(p), bytes, true};
    if (hyb_status_t s = zero(*out)) {
      release(*out);
      return s;
    }
    return nullptr;
  }

  void release(DeviceBuffer &buffer) override {
    if (buffer.owned && buffer.ptr && bind() == nullptr)
      d_->memFree(dptr(buffer.ptr));
    buffer = {};
  }

  hyb_status_t zero(DeviceBuffer &buffer) override {
    HYB_RETURN_IF_ERROR(bind());
    if (buffer.bytes)
      HYB_RETURN_IF_ERROR(check(d_->memsetD8Async(dptr(buffer.ptr), 0,
                                                  buffer.bytes, copyStream_),
                                "cuMemsetD8Async"));
    return syncCopies();
  }

  hyb_status_t copyToHost(const DeviceBuffer &src, void *dst,
                          uint64_t bytes) override {
    return readRange(src, 0, dst, bytes);
  }

  hyb_status_t copyFromHost(DeviceBuffer &dst, const void *src,
                            uint64_t bytes) override {
    return writeRange(dst, 0, src, bytes);
  }

  hyb_status_t copyBuffer(DeviceBuffer &dst, const DeviceBuffer &src) override {
    if (dst.bytes != src.bytes)
      return error(HYB_STATUS_INTERNAL, "cuda backend: copy between buffers of ",
                   src.bytes, " and ", dst.bytes, " bytes");
    HYB_RETURN_IF_ERROR(bind());
    if (src.bytes)
      HYB_RETURN_IF_ERROR(check(d_->memcpyDtoDAsync(dptr(dst.ptr),
                                                    dptr(src.ptr), src.bytes,
                                                    copyStream_),
                                "cuMemcpyDtoDAsync_v2"));
    return syncCopies();
  }

  hyb_status_t readRange(const DeviceBuffer &src, uint64_t offset, void *dst,
                         uint64_t bytes) override {
    if (offset > src.bytes || bytes > src.bytes - offset)
      return error(HYB_STATUS_INTERNAL, "cuda backend: read of [", offset,
                   ", +", bytes, ") from a ", src.bytes, "-byte buffer");
    HYB_RETURN_IF_ERROR(bind());
    if (bytes)
      HYB_RETURN_IF_ERROR(check(d_->memcpyDtoHAsync(dst,
                                                    dptr(src.ptr) + offset,
                                                    bytes, copyStream_),
                                "cuMemcpyDtoHAsync_v2"));
    return syncCopies();
  }

  hyb_status_t writeRange(DeviceBuffer &dst, uint64_t offset, const void *src,
                          uint64_t bytes) override {
    if (offset > dst.bytes || bytes > dst.bytes - offset)
      return error(HYB_STATUS_INTERNAL, "cuda backend: write of [", offset,
                   ", +", bytes, ") into a ", dst.bytes, "-byte buffer");
    HYB_RETURN_IF_ERROR(bind());
    if (bytes)
      HYB_RETURN_IF_ERROR(check(d_->memcpyHtoDAsync(dptr(dst.ptr) + offset,
                                                    src, bytes, copyStream_),
                                "cuMemcpyHtoDAsync_v2"));
    return syncCopies();
  }

  void *hostAccess(DeviceBuffer &) override { return nullptr; }

  /// Weights are uploaded once, whatever their alignment.
  hyb_status_t bindHostData(const void *host, uint64_t bytes, uint64_t,
                            DeviceBuffer *out) override {
    HYB_RETURN_IF_ERROR(allocate(bytes, out));
    if (hyb_status_t s = copyFromHost(*out, host, bytes)) {
      release(*out);
      return s;
    }
    return nullptr;
  }

  hyb_status_t stageInput(const hyb_env_t *env, const void *host,
                          uint64_t bytes, DeviceBuffer &scratch,
                          void **out_device) override {
    HYB_RETURN_IF_ERROR(reserve(bytes, scratch));
    Session &s = *sessionOf(env);
    if (bytes)
      HYB_RETURN_IF_ERROR(check(d_->memcpyHtoDAsync(dptr(scratch.ptr), host,
                                                    bytes, s.stream),
                                "cuMemcpyHtoDAsync_v2"));
    *out_device = scratch.ptr;
    return nullptr;
  }

  hyb_status_t stageOutput(const hyb_env_t *, void *, uint64_t bytes,
                           DeviceBuffer &scratch, void **out_device) override {
    HYB_RETURN_IF_ERROR(reserve(bytes, scratch));
    *out_device = scratch.ptr;
    return nullptr;
  }

  hyb_status_t finishOutput(const hyb_env_t *env, void *host,
                            const void *device, uint64_t bytes) override {
    if (!bytes)
      return nullptr;
    HYB_RETURN_IF_ERROR(bind());
    Session &s = *sessionOf(env);
    HYB_RETURN_IF_ERROR(check(d_->memcpyDtoHAsync(host, dptr(device), bytes,
                                                  s.stream),
                              "cuMemcpyDtoHAsync_v2"));
    return check(d_->streamSynchronize(s.stream), "cuStreamSynchronize");
  }

  //===-- Device code -----------------------------------------------------===//

  hyb_status_t loadDeviceCode(const DeviceCode &code) override {
    HYB_RETURN_IF_ERROR(bind());
    std::string gpu = "sm_" + std::to_string(ccMajor_) + std::to_string(ccMinor_);
    cu::Result r = cu::kErrorInvalidImage;
    if (code.cubin && code.cubinBytes)
      r = d_->moduleLoadData(&module_, code.cubin);
    if (r != cu::kSuccess) {
      if (!code.ptx)
        return error(HYB_STATUS_UNIMPLEMENTED, "the artifact's cubin for ",
                     code.arch, " does not load on this ", gpu, " GPU (",
                     cu::describe(*d_, r, "cuModuleLoadData"),
                     ") and it has no PTX");
      static std::once_flag said;
      std::call_once(said, [&] {
        if (code.cubin && code.cubinBytes)
          std::fprintf(stderr,
                       "hybridrt: cubin for %s does not run on %s (%s): "
                       "JIT-compiling the PTX\n",
                       code.arch.c_str(), gpu.c_str(),
                       cu::describe(*d_, r, "cuModuleLoadData").c_str());
        else
          std::fprintf(stderr, "hybridrt: the artifact has no cubin: "
                               "JIT-compiling the PTX\n");
      });
      char log[4096] = {};
      int options[] = {cu::kJitErrorLogBuffer, cu::kJitErrorLogBufferSizeBytes};
      void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof log))};
      r = d_->moduleLoadDataEx(&module_, code.ptx, 2, options, values);
      if (r != cu::kSuccess)
        return error(HYB_STATUS_INTERNAL, "the artifact's PTX does not compile "
                     "for ", gpu, ": ",
                     cu::describe(*d_, r, "cuModuleLoadDataEx"),
                     log[0] ? std::string(": ") + log : std::string());
    }
    kernelNames_ = code.kernels;
    overlapArtifactKernels_ = overlapSupported_ && code.kernelsWaitForPriorGrid;
    kernels_.assign(code.kernels.size(), nullptr);
    sharedLimit_.assign(code.kernels.size(), kDefaultDynamicSharedBytes);
    for (size_t i = 0; i < code.kernels.size(); ++i)
      if (cu::Result rr = d_->moduleGetFunction(&kernels_[i], module_,
                                                code.kernels[i].c_str()))
        return error(HYB_STATUS_NOT_FOUND, "kernel '", code.kernels[i],
                     "' (manifest target.kernels[", i,
                     "]) is not in the artifact's device code: ",
                     cu::describe(*d_, rr, "cuModuleGetFunction"));
    return nullptr;
  }

  //===-- Sessions ----------------------------------------------------------===//

  hyb_status_t initEnv(hyb_env_t *env) override {
    HYB_RETURN_IF_ERROR(bind());
    auto *s = new Session();
    s->backend = this;
    env->device_context = s;
    env->device = HYB_DEVICE_CUDA;
    env->device_ordinal = ordinal_;
    env->device_ops = &kDeviceOps;
    env->blas_handle = ltHandle_;
    HYB_RETURN_IF_ERROR(check(d_->streamCreate(&s->stream,
                                               cu::kStreamNonBlocking),
                              "cuStreamCreate"));
    env->stream = s->stream;
    HYB_RETURN_IF_ERROR(check(d_->memAlloc(&s->workspace,
                                           kArtifactWorkspaceBytes),
                              "cuMemAlloc_v2 (the session's workspace)"));
    HYB_RETURN_IF_ERROR(check(d_->memAlloc(&s->gemmWorkspace,
                                           kGemmWorkspaceBytes),
                              "cuMemAlloc_v2 (the cuBLASLt workspace)"));
    env->workspace = hptr(s->workspace);
    env->workspace_bytes = kArtifactWorkspaceBytes;
    return nullptr;
  }

  void releaseEnv(hyb_env_t *env) override {
    Session *s = sessionOf(env);
    if (!s || bind())
      return;
    if (s->stream)
      d_->streamSynchronize(s->stream);
    clearGraphs(*s);
    if (profiling_) {
      s->profile.collect(*d_);
      s->profile.print(stderr);
      s->profile.release(*d_);
    }
    if (s->workspace)
      d_->memFree(s->workspace);
    if (s->gemmWorkspace)
      d_->memFree(s->gemmWorkspace);
    if (s->stream)
      d_->streamDestroy(s->stream);
    delete s;
    env->device_context = nullptr;
    env->stream = nullptr;
  }

  hyb_status_t launch(EntryFn fn, void **args, const hyb_env_t *env,
                      const LaunchInfo &info) override {
    HYB_RETURN_IF_ERROR(bind());
    Session &s = *sessionOf(env);
    s.entryName = info.entryName;
    if (!info.replayable || !graphsEnabled_ || isUncapturable(fn)) {
      fn(args, env);
      return nullptr;
    }
    std::vector<int64_t> key;
    key.reserve(info.numDescriptorWords + 2);
    key.push_back(int64_t(reinterpret_cast<uintptr_t>(fn)));
    key.push_back(int64_t(env->seed));
    key.insert(key.end(), info.descriptorWords,
               info.descriptorWords + info.numDescriptorWords);
    auto it = s.graphs.find(key);
    if (it == s.graphs.end()) {
      if (s.graphs.size() >= kMaxGraphsPerSession)
        clearGraphs(s);
      cu::GraphExec exec = nullptr;
      if (!capture(s, fn, args, env, &exec)) {
        // A call the driver cannot capture runs as it is from now on;
        // any other failure is the call's, reported by synchronize().
        if (s.firstErrorCode < 900 || s.firstErrorCode > 909)
          return nullptr;
        std::fprintf(stderr,
                     "hybridrt: entry point '%s' cannot be captured as a "
                     "CUDA graph (%s): running it uncaptured\n",
                     info.entryName, s.firstError.c_str());
        s.firstError.clear();
        s.firstErrorCode = 0;
        {
          std::lock_guard<std::mutex> lock(kernelMutex_);
          uncapturable_.insert(fn);
        }
        fn(args, env);
        return nullptr;
      }
      it = s.graphs.emplace(std::move(key), exec).first;
    }
    if (cu::Result r = d_->graphLaunch(it->second, s.stream))
      s.record(cu::describe(*d_, r, "cuGraphLaunch"), r);
    return nullptr;
  }

  hyb_status_t synchronize(const hyb_env_t *env) override {
    HYB_RETURN_IF_ERROR(bind());
    Session &s = *sessionOf(env);
    cu::Result r = d_->streamSynchronize(s.stream);
    if (profiling_)
      s.profile.collect(*d_);
    if (s.failed()) {
      hyb_status_t st = makeStatus(HYB_STATUS_INTERNAL, s.firstError);
      s.firstError.clear();
      s.firstErrorCode = 0;
      return st;
    }
    if (r != cu::kSuccess)
      return error(HYB_STATUS_INTERNAL, "entry point '", s.entryName, "': ",
                   cu::describe(*d_, r, "cuStreamSynchronize"),
                   " (a kernel or GEMM of the call failed on the device; "
                   "HYBRID_CUDA_GRAPHS=0 and CUDA_LAUNCH_BLOCKING=1 help to "
                   "find which)");
    return nullptr;
  }

  //===-- Device ops ----------------------------------------------------------===//

  void launchKernel(Session &s, uint32_t kernel, const uint32_t grid[3],
                    const uint32_t block[3], uint32_t sharedBytes,
                    void **params) {
    if (s.failed())
      return;
    if (kernel >= kernels_.size()) {
      s.record("device_ops->launch: kernel index " + std::to_string(kernel) +
               " is outside target.kernels [0, " +
               std::to_string(kernels_.size()) + ")");
      return;
    }
    auto where = [&] {
      return "kernel '" + kernelNames_[kernel] + "' (target.kernels[" +
             std::to_string(kernel) + "]), grid [" + std::to_string(grid[0]) +
             ", " + std::to_string(grid[1]) + ", " + std::to_string(grid[2]) +
             "], block [" + std::to_string(block[0]) + ", " +
             std::to_string(block[1]) + ", " + std::to_string(block[2]) +
             "], " + std::to_string(sharedBytes) + " shared bytes: ";
    };
    if (sharedBytes > kDefaultDynamicSharedBytes) {
      std::lock_guard<std::mutex> lock(kernelMutex_);
      if (sharedBytes > sharedLimit_[kernel]) {
        if (cu::Result r = d_->funcSetAttribute(
                kernels_[kernel], cu::kFuncAttributeMaxDynamicSharedSizeBytes,
                int(sharedBytes))) {
          s.record(where() + cu::describe(*d_, r, "cuFuncSetAttribute") +
                       " (this GPU allows " + std::to_string(maxSharedOptin_) +
                       " bytes a block)",
                   r);
          return;
        }
        sharedLimit_[kernel] = sharedBytes;
      }
    }
    int timed = profiling_ ? s.profile.begin(*d_, s.stream,
                                             std::string(s.entryName) + ": " +
                                                 kernelNames_[kernel])
                           : -1;
    if (cu::Result r = launch(kernels_[kernel], grid, block, sharedBytes,
                              s.stream, params, overlapArtifactKernels_))
      s.record(where() + cu::describe(*d_, r, "cuLaunchKernelEx"), r);
    if (profiling_)
      s.profile.end(*d_, s.stream, timed);
  }

  void gemm(Session &s, const hyb_gemm_t &g) {
    if (!profiling_) {
      enqueueGemm(s, g);
      return;
    }
    int timed = s.profile.begin(
        *d_, s.stream,
        std::string(s.entryName) + ": gemm " + std::to_string(g.m) + "x" +
            std::to_string(g.n) + "x" + std::to_string(g.k) +
            (g.batch > 1 ? " batch " + std::to_string(g.batch) : "") + " " +
            dtypeText(g.a_dtype) + "*" + dtypeText(g.b_dtype) +
            (cu::gemvTakes(g) ? " (gemv)" : ""));
    enqueueGemm(s, g);
    s.profile.end(*d_, s.stream, timed);
  }

  void enqueueGemm(Session &s, const hyb_gemm_t &g) {
    if (s.failed())
      return;
    auto name = [&] {
      return "gemm m=" + std::to_string(g.m) + " n=" + std::to_string(g.n) +
             " k=" + std::to_string(g.k) + " batch=" +
             std::to_string(g.batch) + " (" + dtypeText(g.a_dtype) + " x " +
             dtypeText(g.b_dtype) + " -> " + dtypeText(g.c_dtype) + "): ";
    };
    // The operands as cuBLASLt will read them: A converted to B's type
    // where they differ.
    int32_t aType = g.a_dtype;
    bool convert = g.a_dtype != g.b_dtype;
    if (ltType(g.a_dtype) < 0 || ltType(g.b_dtype) < 0 ||
        ltType(g.c_dtype) < 0 ||
        (convert && !(g.a_dtype == HYB_DTYPE_F32 &&
                      (g.b_dtype == HYB_DTYPE_BF16 ||
                       g.b_dtype == HYB_DTYPE_F16))) ||
        (g.c_dtype != HYB_DTYPE_F32 && g.c_dtype != g.a_dtype)) {
      s.record(name() + "unsupported types (A and B f32, bf16 or f16, or A "
                        "f32 and B bf16 or f16; C f32 or A's type)");
      return;
    }
    if (g.m < 1 || g.n < 1 || g.k < 1 || g.batch < 1 || g.lda < g.k ||
        g.ldb < g.k || g.ldc < g.n || !g.a || !g.b || !g.c) {
      s.record(name() + "bad operands (need m, n, k, batch >= 1, lda and "
                        "ldb >= k, ldc >= n, non-null pointers; lda=" +
               std::to_string(g.lda) + " ldb=" + std::to_string(g.ldb) +
               " ldc=" + std::to_string(g.ldc) + ")");
      return;
    }
    if (cu::gemvTakes(g)) {
      enqueueGemv(s, g);
      return;
    }
    const void *a = g.a;
    int64_t lda = g.lda, strideA = g.stride_a;
    // f32 activations with bf16 weights: A as two bf16 terms (hi and lo
    // rows, one GEMM of twice the rows) so that the product keeps f32
    // accuracy; bf16's 8 bits of mantissa on the activations alone put
    // tiny models' logits 3e-2 to 1e-1 away from a float64 reference.
    const bool split = convert && g.b_dtype == HYB_DTYPE_BF16 &&
                       g.c_dtype == HYB_DTYPE_F32;
    const int64_t terms = split ? 2 : 1;
    cu::DevicePtr converted = 0, partial = 0;
    auto release = [&] {
      if (converted)
        d_->memFreeAsync(converted, s.stream);
      if (partial)
        d_->memFreeAsync(partial, s.stream);
    };
    auto launchElementwise = [&](cu::Function f, uint64_t count,
                                 void **params, const char *what) {
      uint64_t blocks = (count + 255) / 256;
      if (blocks > 0x7fffffffull) {
        s.record(name() + "too many elements (" + what + ")");
        return false;
      }
      if (cu::Result r = d_->launchKernel(f, unsigned(blocks), 1, 1, 256, 1, 1,
                                          0, s.stream, params, nullptr)) {
        s.record(name() + cu::describe(*d_, r, "cuLaunchKernel") + " (" +
                     what + ")",
                 r);
        return false;
      }
      return true;
    };
    if (convert) {
      aType = g.b_dtype;
      uint64_t count = uint64_t(g.batch) * uint64_t(g.m) * uint64_t(g.k);
      if (cu::Result r =
              d_->memAllocAsync(&converted, count * 2 * terms, s.stream)) {
        s.record(name() + cu::describe(*d_, r, "cuMemAllocAsync") +
                     " (A converted to " + dtypeText(g.b_dtype) + ")",
                 r);
        return;
      }
      cu::DevicePtr src = dptr(g.a);
      uint64_t rows = uint64_t(g.m), cols = uint64_t(g.k);
      uint64_t ld = uint64_t(g.lda), stride = uint64_t(g.stride_a);
      void *params[] = {&converted, &src, &count, &rows, &cols, &ld, &stride};
      cu::Function f = split ? splitBf16_
                       : g.b_dtype == HYB_DTYPE_BF16 ? toBf16_
                                                     : toF16_;
      if (!launchElementwise(f, count, params, "converting A")) {
        release();
        return;
      }
      a = hptr(converted);
      lda = g.k;
      strideA = terms * g.m * g.k;
    }
    // The split GEMM writes both terms' products to a temporary; the
    // combine kernel then applies alpha and beta to C.
    const int64_t m = terms * g.m;
    void *c = g.c;
    int64_t ldc = g.ldc, strideC = g.stride_c;
    float alpha = g.alpha, beta = g.beta;
    if (split) {
      uint64_t bytes = uint64_t(g.batch) * uint64_t(m) * uint64_t(g.n) * 4;
      if (cu::Result r = d_->memAllocAsync(&partial, bytes, s.stream)) {
        s.record(name() + cu::describe(*d_, r, "cuMemAllocAsync") +
                     " (the split GEMM's partial products)",
                 r);
        release();
        return;
      }
      c = hptr(partial);
      ldc = g.n;
      strideC = m * g.n;
      alpha = 1.0f;
      beta = 0.0f;
    }
    const uint64_t aSize = floatSize(aType), bSize = floatSize(g.b_dtype),
                   cSize = floatSize(g.c_dtype);
    const uint32_t alignA = alignmentOf(a, g.batch, strideA * int64_t(aSize));
    const uint32_t alignB =
        alignmentOf(g.b, g.batch, g.stride_b * int64_t(bSize));
    const uint32_t alignC = alignmentOf(c, g.batch, strideC * int64_t(cSize));
    std::array<int64_t, 16> key = {
        aType,    g.b_dtype, g.c_dtype, m,       g.n,      g.k,
        g.batch,  lda,       strideA,   g.ldb,   g.stride_b, ldc,
        strideC,  alignA,    alignB,    alignC};
    const GemmPlan *plan = nullptr;
    std::string why;
    {
      std::lock_guard<std::mutex> lock(planMutex_);
      auto it = plans_.find(key);
      if (it == plans_.end()) {
        GemmPlan p;
        why = makePlan(aType, g.b_dtype, g.c_dtype, m, g.n, g.k, g.batch,
                       lda, strideA, g.ldb, g.stride_b, ldc, strideC,
                       alignA, alignB, alignC, &p);
        if (why.empty())
          it = plans_.emplace(key, p).first;
      }
      if (it != plans_.end())
        plan = &it->second;
    }
    if (plan) {
      // Row-major C[m, n] = A[m, k] B[n, k]^T is column-major
      // C^T[n, m] = B^T... : cuBLASLt's "A" is our B (k x n column-major,
      // transposed), its "B" our A (k x m column-major).
      lt::Status st = l_->matmul(ltHandle_, plan->desc, &alpha, g.b, plan->a,
                                 a, plan->b, &beta, c, plan->c, c, plan->c,
                                 &plan->algo, hptr(s.gemmWorkspace),
                                 kGemmWorkspaceBytes, s.stream);
      if (st != lt::kSuccess)
        why = lt::describe(*l_, st, "cublasLtMatmul");
    }
    if (!why.empty())
      s.record(name() + why);
    else if (split) {
      cu::DevicePtr dst = dptr(g.c);
      uint64_t count = uint64_t(g.batch) * uint64_t(g.m) * uint64_t(g.n);
      uint64_t rows = uint64_t(g.m), cols = uint64_t(g.n);
      uint64_t ld = uint64_t(g.ldc), stride = uint64_t(g.stride_c);
      float outAlpha = g.alpha, outBeta = g.beta;
      void *params[] = {&dst,  &partial, &count,    &rows,   &cols,
                        &ld,   &stride,  &outAlpha, &outBeta};
      launchElementwise(combineSplit_, count, params,
                        "adding the split GEMM's terms");
    }
    release();
  }

  /// A GEMM of a few rows as the runtime's GEMV kernel (see gemv.h).
  void enqueueGemv(Session &s, const hyb_gemm_t &g) {
    void *c = g.c;
    const void *a = g.a, *b = g.b;
    uint64_t m = uint64_t(g.m), n = uint64_t(g.n), k = uint64_t(g.k);
    uint64_t lda = uint64_t(g.lda), ldb = uint64_t(g.ldb),
             ldc = uint64_t(g.ldc);
    uint64_t sa = uint64_t(g.stride_a), sb = uint64_t(g.stride_b),
             sc = uint64_t(g.stride_c);
    float alpha = g.alpha, beta = g.beta;
    void *params[] = {&c,   &a,   &b,   &m,  &n,  &k,     &lda,
                      &ldb, &ldc, &sa,  &sb, &sc, &alpha, &beta};
    const int bBytes = g.b_dtype == HYB_DTYPE_BF16 ? 2 : 4;
    const unsigned tiling = cu::gemvTilingFor(g.k, bBytes);
    const cu::GemvTiling &t = cu::kGemvTilings[tiling];
    const uint64_t blocks = (n + t.rowsPerBlock - 1) / t.rowsPerBlock;
    if (blocks > 0x7fffffffull) {
      s.record("gemm m=" + std::to_string(g.m) + " n=" + std::to_string(g.n) +
               ": too many rows of B for the GEMV kernel's grid");
      return;
    }
    cu::Function f =
        overlapSupported_
            ? (bBytes == 2 ? gemvBf16Overlapped_ : gemvF32Overlapped_)[tiling]
            : (bBytes == 2 ? gemvBf16_ : gemvF32_)[tiling];
    const uint32_t grid[3] = {unsigned(blocks), unsigned(g.batch * g.m), 1},
                   block[3] = {t.threads, 1, 1};
    if (cu::Result r =
            launch(f, grid, block, 0, s.stream, params, overlapSupported_))
      s.record("gemm m=" + std::to_string(g.m) + " n=" + std::to_string(g.n) +
                   " k=" + std::to_string(g.k) + ": " +
                   cu::describe(*d_, r, "cuLaunchKernelEx") + " (the GEMV kernel)",
               r);
  }

  void *allocTemporary(Session &s, uint64_t bytes) {
    if (s.failed())
      return nullptr;
    cu::DevicePtr p = 0;
    if (cu::Result r = d_->memAllocAsync(&p, std::max<uint64_t>(bytes, 1),
                                         s.stream)) {
      s.record("device_ops->alloc of " + std::to_string(bytes) + " bytes: " +
                   cu::describe(*d_, r, "cuMemAllocAsync"),
               r);
      return nullptr;
    }
    if (p % kAllocAlignment) {
      s.record("device_ops->alloc: cuMemAllocAsync returned a pointer that "
               "is not 256-byte aligned");
      d_->memFreeAsync(p, s.stream);
      return nullptr;
    }
    return hptr(p);
  }

  void freeTemporary(Session &s, void *ptr) {
    if (!ptr)
      return;
    if (cu::Result r = d_->memFreeAsync(dptr(ptr), s.stream))
      s.record(cu::describe(*d_, r, "cuMemFreeAsync"), r);
  }

private:
  /// |name| of the runtime's own module.
  /// Launches |f|; |overlapped|: with programmatic stream serialization, so
  /// that it may start while the kernel before it in the stream finishes
  /// (|f| must wait for that grid, griddepcontrol.wait, before it touches
  /// memory).
  cu::Result launch(cu::Function f, const uint32_t grid[3],
                    const uint32_t block[3], uint32_t sharedBytes,
                    cu::Stream stream, void **params, bool overlapped) {
    cu::LaunchAttribute attribute = {};
    attribute.id = cu::kLaunchAttributeProgrammaticStreamSerialization;
    attribute.value.programmaticStreamSerializationAllowed = 1;
    cu::LaunchConfig config = {grid[0],     grid[1],  grid[2],
                               block[0],    block[1], block[2],
                               sharedBytes, stream,   &attribute,
                               overlapped ? 1u : 0u};
    return d_->launchKernelEx(&config, f, params, nullptr);
  }

  hyb_status_t getRuntimeKernel(cu::Function *function, const char *name) {
    return check(d_->moduleGetFunction(function, convertModule_, name),
                 (std::string("cuModuleGetFunction(") + name + ")").c_str());
  }

  hyb_status_t check(cu::Result r, const char *function) const {
    return cu::check(*d_, r, function);
  }

  bool isUncapturable(EntryFn fn) {
    std::lock_guard<std::mutex> lock(kernelMutex_);
    return uncapturable_.count(fn) != 0;
  }

  /// Makes the backend's context current on the calling thread.
  hyb_status_t bind() const {
    return check(d_->ctxSetCurrent(context_), "cuCtxSetCurrent");
  }

  hyb_status_t syncCopies() {
    return check(d_->streamSynchronize(copyStream_), "cuStreamSynchronize");
  }

  /// Grows |scratch| to at least |bytes| (never shrinks: its pointer stays
  /// what replayed graphs were captured with).
  hyb_status_t reserve(uint64_t bytes, DeviceBuffer &scratch) {
    if (scratch.ptr && scratch.bytes >= bytes)
      return nullptr;
    release(scratch);
    return allocate(std::max<uint64_t>(bytes, 64), &scratch);
  }

  /// Captures one call of |fn| on the session's stream as a graph; false
  /// with the failure recorded in |s| if the capture or the call failed.
  bool capture(Session &s, EntryFn fn, void **args, const hyb_env_t *env,
               cu::GraphExec *out) {
    // Relaxed: cuBLASLt may make calls the stricter modes refuse while a
    // capture is under way (its first use of a kernel, say).
    if (cu::Result r = d_->streamBeginCapture(s.stream,
                                              cu::kCaptureModeRelaxed)) {
      s.record(cu::describe(*d_, r, "cuStreamBeginCapture_v2"), r);
      return false;
    }
    fn(args, env);
    cu::Graph graph = nullptr;
    cu::Result r = d_->streamEndCapture(s.stream, &graph);
    if (r != cu::kSuccess)
      s.record(cu::describe(*d_, r, "cuStreamEndCapture"), r);
    if (s.failed()) {
      if (graph)
        d_->graphDestroy(graph);
      return false;
    }
    r = d_->graphInstantiateWithFlags(out, graph,
                                      cu::kGraphInstantiateAutoFreeOnLaunch);
    d_->graphDestroy(graph);
    if (r != cu::kSuccess) {
      s.record(cu::describe(*d_, r, "cuGraphInstantiateWithFlags"), r);
      return false;
    }
    return true;
  }

  void clearGraphs(Session &s) {
    for (auto &entry : s.graphs)
      d_->graphExecDestroy(entry.second);
    s.graphs.clear();
  }

  /// A cuBLASLt plan for one GEMM shape; "" or what failed.
  std::string makePlan(int32_t aType, int32_t bType, int32_t cType, int64_t m,
                       int64_t n, int64_t k, int64_t batch, int64_t lda,
                       int64_t strideA, int64_t ldb, int64_t strideB,
                       int64_t ldc, int64_t strideC, uint32_t alignA,
                       uint32_t alignB, uint32_t alignC, GemmPlan *out) {
    GemmPlan p;
    lt::MatmulPreference pref = nullptr;
    std::string why;
    auto call = [&](lt::Status st, const char *fn) {
      if (st != lt::kSuccess && why.empty())
        why = lt::describe(*l_, st, fn);
      return why.empty();
    };
    auto layout = [&](lt::MatrixLayout *l, int type, int64_t rows, int64_t cols,
                      int64_t ld, int64_t stride) {
      if (!call(l_->matrixLayoutCreate(l, type, uint64_t(rows), uint64_t(cols),
                                       ld),
                "cublasLtMatrixLayoutCreate"))
        return;
      if (batch > 1) {
        int32_t count = int32_t(batch);
        call(l_->matrixLayoutSetAttribute(*l, lt::kLayoutBatchCount, &count,
                                          sizeof count),
             "cublasLtMatrixLayoutSetAttribute");
        call(l_->matrixLayoutSetAttribute(*l, lt::kLayoutStridedBatchOffset,
                                          &stride, sizeof stride),
             "cublasLtMatrixLayoutSetAttribute");
      }
    };
    // f32 accumulation and f32 alpha/beta whatever the operands; TF32 never.
    if (call(l_->matmulDescCreate(&p.desc, lt::kComputeF32, lt::kDataF32),
             "cublasLtMatmulDescCreate")) {
      int32_t transA = lt::kOpT, transB = lt::kOpN;
      call(l_->matmulDescSetAttribute(p.desc, lt::kMatmulDescTransA, &transA,
                                      sizeof transA),
           "cublasLtMatmulDescSetAttribute");
      call(l_->matmulDescSetAttribute(p.desc, lt::kMatmulDescTransB, &transB,
                                      sizeof transB),
           "cublasLtMatmulDescSetAttribute");
    }
    // Column-major views of the row-major operands (see gemm()).
    layout(&p.a, ltType(bType), k, n, ldb, strideB);
    layout(&p.b, ltType(aType), k, m, lda, strideA);
    layout(&p.c, ltType(cType), n, m, ldc, strideC);
    if (call(l_->matmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate")) {
      uint64_t workspace = kGemmWorkspaceBytes;
      call(l_->matmulPreferenceSetAttribute(pref, lt::kPrefMaxWorkspaceBytes,
                                            &workspace, sizeof workspace),
           "cublasLtMatmulPreferenceSetAttribute");
      // cuBLASLt's "A" is our B, its "B" our A.
      const std::pair<int, uint32_t> aligns[] = {
          {lt::kPrefMinAlignmentABytes, alignB},
          {lt::kPrefMinAlignmentBBytes, alignA},
          {lt::kPrefMinAlignmentCBytes, alignC},
          {lt::kPrefMinAlignmentDBytes, alignC}};
      for (auto [attr, value] : aligns)
        call(l_->matmulPreferenceSetAttribute(pref, attr, &value, sizeof value),
             "cublasLtMatmulPreferenceSetAttribute");
    }
    if (why.empty()) {
      lt::HeuristicResult result = {};
      int returned = 0;
      if (call(l_->matmulAlgoGetHeuristic(ltHandle_, p.desc, p.a, p.b, p.c,
                                          p.c, pref, 1, &result, &returned),
               "cublasLtMatmulAlgoGetHeuristic") &&
          returned < 1)
        why = "cublasLtMatmulAlgoGetHeuristic: no algorithm for these "
              "operands (alignments A " +
              std::to_string(alignA) + ", B " + std::to_string(alignB) +
              ", C " + std::to_string(alignC) + " bytes)";
      p.algo = result.algo;
    }
    if (pref)
      l_->matmulPreferenceDestroy(pref);
    if (!why.empty()) {
      destroyPlan(p);
      return why;
    }
    *out = p;
    return "";
  }

  void destroyPlan(GemmPlan &p) {
    if (p.desc)
      l_->matmulDescDestroy(p.desc);
    for (lt::MatrixLayout l : {p.a, p.b, p.c})
      if (l)
        l_->matrixLayoutDestroy(l);
    p = {};
  }

  const cu::Driver *d_ = nullptr;
  const lt::Library *l_ = nullptr;
  int ordinal_ = 0;
  cu::Device device_ = 0;
  cu::Context context_ = nullptr;
  int ccMajor_ = 0, ccMinor_ = 0, maxSharedOptin_ = 0;
  /// Synchronous copies and fills (weights, state, reset, fork) go here and
  /// are waited for; the sessions' streams carry the calls.
  cu::Stream copyStream_ = nullptr;
  lt::Handle ltHandle_ = nullptr;
  cu::Module module_ = nullptr, convertModule_ = nullptr;
  cu::Function toBf16_ = nullptr, toF16_ = nullptr;
  cu::Function splitBf16_ = nullptr, combineSplit_ = nullptr;
  cu::Function gemvBf16_[cu::kNumGemvTilings] = {},
               gemvF32_[cu::kNumGemvTilings] = {};
  /// sm_90 and later: the GEMV kernels that wait for the grid before them
  /// (launched overlapping it), in a module of their own (PTX ISA 7.8).
  cu::Module overlapModule_ = nullptr;
  cu::Function gemvBf16Overlapped_[cu::kNumGemvTilings] = {},
               gemvF32Overlapped_[cu::kNumGemvTilings] = {};
  /// Whether launches may overlap the kernel before them (programmatic
  /// stream serialization): this GPU has it and HYBRID_CUDA_OVERLAP is not
  /// 0. The artifact's kernels overlap only if they wait at their entry.
  bool overlapSupported_ = false, overlapArtifactKernels_ = false;
  const std::string convertPtxText_ = convertPtx();
  std::vector<cu::Function> kernels_;
  std::vector<std::string> kernelNames_;
  /// The dynamic shared memory each kernel was allowed so far.
  std::vector<uint32_t> sharedLimit_;
  /// Guards sharedLimit_ and uncapturable_: sessions may run on several
  /// threads at once.
  std::mutex kernelMutex_;
  std::mutex planMutex_;
  std::map<std::array<int64_t, 16>, GemmPlan> plans_;
  bool graphsEnabled_ = true;
  bool profiling_ = false;
  std::set<EntryFn> uncapturable_;
};

void opLaunch(const hyb_env_t *env, uint32_t kernel, uint32_t gx, uint32_t gy,
              uint32_t gz, uint32_t bx, uint32_t by, uint32_t bz,
              uint32_t sharedBytes, void **params) {
  Session *s = sessionOf(env);
  const uint32_t grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
  s->backend->launchKernel(*s, kernel, grid, block, sharedBytes, params);
}

void opGemm(const hyb_env_t *env, const hyb_gemm_t *gemm) {
  Session *s = sessionOf(env);
  if (!gemm) {
    s->record("device_ops->gemm: the hyb_gemm_t is NULL");
    return;
  }
  s->backend->gemm(*s, *gemm);
}

void *opAlloc(const hyb_env_t *env, uint64_t bytes) {
  Session *s = sessionOf(env);
  return s->backend->allocTemporary(*s, bytes);
}

void opFree(const hyb_env_t *env, void *ptr) {
  Session *s = sessionOf(env);
  s->backend->freeTemporary(*s, ptr);
}

} // namespace

hyb_status_t createCudaBackend(const BackendOptions &options,
                               std::unique_ptr<Backend> *out) {
  auto backend = std::make_unique<CudaBackend>();
  HYB_RETURN_IF_ERROR(backend->init(options));
  *out = std::move(backend);
  return nullptr;
}

hyb_status_t measureCudaCopyBandwidth(uint64_t bytes, int repeats,
                                      double *outBytesPerSecond,
                                      std::string *deviceName) {
  const cu::Driver *d = nullptr;
  HYB_RETURN_IF_ERROR(cu::loadDriver(&d));
  cu::Device device = 0;
  cu::Context context = nullptr;
  HYB_RETURN_IF_ERROR(cu::check(*d, d->deviceGet(&device, 0), "cuDeviceGet"));
  char name[256] = {};
  d->deviceGetName(name, sizeof name, device);
  *deviceName = name;
  HYB_RETURN_IF_ERROR(cu::check(*d, d->devicePrimaryCtxRetain(&context, device),
                                "cuDevicePrimaryCtxRetain"));
  cu::DevicePtr src = 0, dst = 0;
  cu::Stream stream = nullptr;
  cu::Event start = nullptr, stop = nullptr;
  double best = 0;
  hyb_status_t st = cu::check(*d, d->ctxSetCurrent(context), "cuCtxSetCurrent");
  auto step = [&](cu::Result r, const char *fn) {
    if (!st)
      st = cu::check(*d, r, fn);
    return st == nullptr;
  };
  if (!st && step(d->memAlloc(&src, bytes), "cuMemAlloc_v2") &&
      step(d->memAlloc(&dst, bytes), "cuMemAlloc_v2") &&
      step(d->streamCreate(&stream, cu::kStreamNonBlocking), "cuStreamCreate") &&
      step(d->eventCreate(&start, cu::kEventDefault), "cuEventCreate") &&
      step(d->eventCreate(&stop, cu::kEventDefault), "cuEventCreate") &&
      step(d->memsetD8Async(src, 1, bytes, stream), "cuMemsetD8Async")) {
    for (int i = 0; i <= repeats && !st; ++i) { // i = 0 warms up
      float ms = 0;
      if (step(d->eventRecord(start, stream), "cuEventRecord") &&
          step(d->memcpyDtoDAsync(dst, src, bytes, stream),
               "cuMemcpyDtoDAsync_v2") &&
          step(d->eventRecord(stop, stream), "cuEventRecord") &&
          step(d->eventSynchronize(stop), "cuEventSynchronize") &&
          step(d->eventElapsedTime(&ms, start, stop), "cuEventElapsedTime_v2") &&
          i > 0 && ms > 0)
        best = std::max(best, 2.0 * double(bytes) / (double(ms) * 1e-3));
    }
  }
  if (start)
    d->eventDestroy(start);
  if (stop)
    d->eventDestroy(stop);
  if (stream)
    d->streamDestroy(stream);
  if (src)
    d->memFree(src);
  if (dst)
    d->memFree(dst);
  d->devicePrimaryCtxRelease(device);
  if (st)
    return annotate(st, "cuda copy bandwidth probe");
  *outBytesPerSecond = best;
  return nullptr;
}

} // namespace hyb
