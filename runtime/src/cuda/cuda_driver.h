//===- cuda_driver.h - The CUDA driver API, loaded at run time --*- C++ -*-===//
//
// libhybridrt never links libcuda: it builds without CUDA headers and runs
// CPU artifacts where no driver is installed. The few driver types, values
// and functions the CUDA backend uses are declared here, with the values of
// CUDA 13's cuda.h, and resolved from libcuda.so.1 with dlopen the first
// time a CUDA backend is created. Where cuda.h maps a name to a versioned
// symbol (cuMemAlloc -> cuMemAlloc_v2), the versioned symbol is what is
// looked up. test/unittests/runtime/cuda_values_test.cpp checks every value
// against cuda.h where the toolkit is installed.
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_CUDA_CUDA_DRIVER_H
#define HYBRIDRT_CUDA_CUDA_DRIVER_H

#include "runtime/src/status.h"

#include <cstddef>
#include <cstdint>

namespace hyb {
namespace cu {

using Result = int; // CUresult
using Device = int; // CUdevice
using DevicePtr = unsigned long long; // CUdeviceptr (64-bit)
using Context = struct CUctx_st *;
using Module = struct CUmod_st *;
using Function = struct CUfunc_st *;
using Stream = struct CUstream_st *;
using Event = struct CUevent_st *;
using Graph = struct CUgraph_st *;
using GraphExec = struct CUgraphExec_st *;
using MemoryPool = struct CUmemPoolHandle_st *;

constexpr Result kSuccess = 0;                    // CUDA_SUCCESS
constexpr Result kErrorInvalidImage = 200;        // CUDA_ERROR_INVALID_IMAGE
constexpr Result kErrorNoBinaryForGpu = 209;      // CUDA_ERROR_NO_BINARY_FOR_GPU
constexpr Result kErrorUnsupportedPtxVersion = 222;
constexpr unsigned kStreamNonBlocking = 0x1;      // CU_STREAM_NON_BLOCKING
constexpr unsigned kEventDefault = 0x0;           // CU_EVENT_DEFAULT
constexpr int kCaptureModeRelaxed = 2; // CU_STREAM_CAPTURE_MODE_RELAXED
constexpr unsigned long long kGraphInstantiateAutoFreeOnLaunch = 1;
constexpr int kFuncAttributeMaxDynamicSharedSizeBytes = 8;
constexpr int kDeviceAttributeComputeCapabilityMajor = 75;
constexpr int kDeviceAttributeComputeCapabilityMinor = 76;
constexpr int kDeviceAttributeMaxSharedMemoryPerBlockOptin = 97;
constexpr int kMemPoolAttrReleaseThreshold = 4; // CU_MEMPOOL_ATTR_RELEASE_THRESHOLD
constexpr int kJitErrorLogBuffer = 5;             // CU_JIT_ERROR_LOG_BUFFER
constexpr int kJitErrorLogBufferSizeBytes = 6;    // ..._SIZE_BYTES
// CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION: the kernel may
// start before the one before it in the stream completes (it waits for it
// with griddepcontrol.wait).
constexpr int kLaunchAttributeProgrammaticStreamSerialization = 6;

/// CUlaunchAttribute: an attribute id and its 64-byte value.
struct LaunchAttribute {
  int id;
  char pad[4];
  union {
    char bytes[64];
    int programmaticStreamSerializationAllowed;
  } value;
};
static_assert(sizeof(LaunchAttribute) == 72, "CUlaunchAttribute's layout");

/// CUlaunchConfig.
struct LaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  struct CUstream_st *stream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
};

/// The driver's functions, resolved once per process.
struct Driver {
  Result (*init)(unsigned flags);
  Result (*driverGetVersion)(int *version);
  Result (*getErrorName)(Result, const char **);
  Result (*getErrorString)(Result, const char **);
  Result (*deviceGetCount)(int *);
  Result (*deviceGet)(Device *, int ordinal);
  Result (*deviceGetName)(char *, int, Device);
  Result (*deviceGetAttribute)(int *, int attribute, Device);
  Result (*devicePrimaryCtxRetain)(Context *, Device);
  Result (*devicePrimaryCtxRelease)(Device);          // _v2
  Result (*ctxSetCurrent)(Context);
  Result (*deviceGetDefaultMemPool)(MemoryPool *, Device);
  Result (*memPoolSetAttribute)(MemoryPool, int attribute, void *value);
  Result (*memAlloc)(DevicePtr *, size_t);            // _v2
  Result (*memFree)(DevicePtr);                       // _v2
  Result (*memAllocAsync)(DevicePtr *, size_t, Stream);
  Result (*memFreeAsync)(DevicePtr, Stream);
  Result (*memcpyHtoDAsync)(DevicePtr, const void *, size_t, Stream); // _v2
  Result (*memcpyDtoHAsync)(void *, DevicePtr, size_t, Stream);       // _v2
  Result (*memcpyDtoDAsync)(DevicePtr, DevicePtr, size_t, Stream);    // _v2
  Result (*memsetD8Async)(DevicePtr, unsigned char, size_t, Stream);
  Result (*streamCreate)(Stream *, unsigned flags);
  Result (*streamDestroy)(Stream);                    // _v2
  Result (*streamSynchronize)(Stream);
  Result (*eventCreate)(Event *, unsigned flags);
  Result (*eventDestroy)(Event);                      // _v2
  Result (*eventRecord)(Event, Stream);
  Result (*eventSynchronize)(Event);
  Result (*eventElapsedTime)(float *, Event, Event);  // _v2
  Result (*moduleLoadData)(Module *, const void *image);
  Result (*moduleLoadDataEx)(Module *, const void *image, unsigned numOptions,
                             int *options, void **values);
  Result (*moduleUnload)(Module);
  Result (*moduleGetFunction)(Function *, Module, const char *);
  Result (*funcSetAttribute)(Function, int attribute, int value);
  Result (*launchKernel)(Function, unsigned gx, unsigned gy, unsigned gz,
                         unsigned bx, unsigned by, unsigned bz,
                         unsigned sharedBytes, Stream, void **params,
                         void **extra);
  Result (*launchKernelEx)(const LaunchConfig *, Function, void **params,
                           void **extra);
  Result (*streamBeginCapture)(Stream, int mode);     // _v2
  Result (*streamEndCapture)(Stream, Graph *);
  Result (*graphInstantiateWithFlags)(GraphExec *, Graph,
                                      unsigned long long flags);
  Result (*graphLaunch)(GraphExec, Stream);
  Result (*graphExecDestroy)(GraphExec);
  Result (*graphDestroy)(Graph);
};

/// The process's driver: loads libcuda.so.1 and cuInit(0)s it on the first
/// call. Fails with one line naming libcuda.so.1 where there is none.
hyb_status_t loadDriver(const Driver **out);

/// "cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (out of memory)"; null for
/// kSuccess.
hyb_status_t check(const Driver &d, Result r, const char *function);
/// The same text, for errors kept as strings.
std::string describe(const Driver &d, Result r, const char *function);

} // namespace cu
} // namespace hyb

#endif // HYBRIDRT_CUDA_CUDA_DRIVER_H
