//===- cuda_values_test.cpp - The runtime's CUDA declarations vs cuda.h ---===//
//
// runtime/src/cuda declares the driver's and cuBLASLt's types and values
// itself (it builds without CUDA). Where the toolkit's headers are
// installed, this test compiles against them and checks every value.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/cuda/cublaslt.h"
#include "runtime/src/cuda/cuda_driver.h"

#include <cublasLt.h>
#include <cuda.h>

#include <gtest/gtest.h>

#include <cstddef>

namespace cu = hyb::cu;
namespace lt = hyb::lt;

static_assert(cu::kSuccess == CUDA_SUCCESS);
static_assert(cu::kErrorInvalidImage == CUDA_ERROR_INVALID_IMAGE);
static_assert(cu::kErrorNoBinaryForGpu == CUDA_ERROR_NO_BINARY_FOR_GPU);
static_assert(cu::kErrorUnsupportedPtxVersion ==
              CUDA_ERROR_UNSUPPORTED_PTX_VERSION);
static_assert(CUDA_ERROR_OUT_OF_MEMORY == 2);
static_assert(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED == 900 &&
              CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD == 908);
static_assert(cu::kStreamNonBlocking == CU_STREAM_NON_BLOCKING);
static_assert(cu::kEventDefault == CU_EVENT_DEFAULT);
static_assert(cu::kCaptureModeRelaxed == CU_STREAM_CAPTURE_MODE_RELAXED);
static_assert(cu::kGraphInstantiateAutoFreeOnLaunch ==
              CUDA_GRAPH_INSTANTIATE_FLAG_AUTO_FREE_ON_LAUNCH);
static_assert(cu::kFuncAttributeMaxDynamicSharedSizeBytes ==
              CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
static_assert(cu::kDeviceAttributeComputeCapabilityMajor ==
              CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
static_assert(cu::kDeviceAttributeComputeCapabilityMinor ==
              CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
static_assert(cu::kDeviceAttributeMaxSharedMemoryPerBlockOptin ==
              CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
static_assert(cu::kMemPoolAttrReleaseThreshold == CU_MEMPOOL_ATTR_RELEASE_THRESHOLD);
static_assert(cu::kJitErrorLogBuffer == CU_JIT_ERROR_LOG_BUFFER);
static_assert(cu::kJitErrorLogBufferSizeBytes == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
static_assert(sizeof(cu::DevicePtr) == sizeof(CUdeviceptr));
static_assert(sizeof(cu::Device) == sizeof(CUdevice));

static_assert(lt::kSuccess == CUBLAS_STATUS_SUCCESS);
static_assert(lt::kComputeF32 == CUBLAS_COMPUTE_32F);
static_assert(lt::kDataF32 == CUDA_R_32F && lt::kDataF16 == CUDA_R_16F &&
              lt::kDataBF16 == CUDA_R_16BF);
static_assert(lt::kOpN == CUBLAS_OP_N && lt::kOpT == CUBLAS_OP_T);
static_assert(lt::kMatmulDescTransA == CUBLASLT_MATMUL_DESC_TRANSA &&
              lt::kMatmulDescTransB == CUBLASLT_MATMUL_DESC_TRANSB);
static_assert(lt::kLayoutBatchCount == CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT &&
              lt::kLayoutStridedBatchOffset ==
                  CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET);
static_assert(lt::kPrefMaxWorkspaceBytes == CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES);
static_assert(lt::kPrefMinAlignmentABytes == CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES &&
              lt::kPrefMinAlignmentBBytes == CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES &&
              lt::kPrefMinAlignmentCBytes == CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES &&
              lt::kPrefMinAlignmentDBytes == CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES);
static_assert(sizeof(lt::MatmulAlgo) == sizeof(cublasLtMatmulAlgo_t));
static_assert(sizeof(lt::HeuristicResult) == sizeof(cublasLtMatmulHeuristicResult_t));
static_assert(offsetof(lt::HeuristicResult, workspaceSize) ==
              offsetof(cublasLtMatmulHeuristicResult_t, workspaceSize));
static_assert(offsetof(lt::HeuristicResult, state) ==
              offsetof(cublasLtMatmulHeuristicResult_t, state));

TEST(CudaValuesTest, DeclarationsMatchTheToolkitHeaders) {
  SUCCEED() << "checked at compile time";
}
