//===- LowerHostToDeviceOps.cpp - host code to hyb_device_ops_t calls -----===//
//
// The host side of a CUDA artifact does four things, each a call through
// the table the runtime puts in its environment (hyb_env_t::device_ops,
// runtime/include/hybrid/abi.h): launch a kernel, run a GEMM, allocate and
// free a temporary. Field offsets come from that header (offsetof), so the
// compiler and the runtime share one definition of the contract.
//
// Every public function gets the environment as a trailing `!llvm.ptr`
// argument (hybrid-cpu-emit-entry-points with env-argument passes it on).
//
//===----------------------------------------------------------------------===//

#include "passes/Target/CUDA/KernelTable.h"
#include "passes/Target/CUDA/Passes.h"

#include "dialect/IR/HybridDialect.h"
#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"
#include "hybrid/abi.h"

#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cstddef>

#define DEBUG_TYPE "hybrid-cuda-lower-host-to-device-ops"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDCUDALOWERHOSTTODEVICEOPSPASS
#include "passes/Target/CUDA/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {


std::optional<hyb_dtype_t> gemmDtype(Type t) {
  if (t.isF32())
    return HYB_DTYPE_F32;
  if (t.isBF16())
    return HYB_DTYPE_BF16;
  if (t.isF16())
    return HYB_DTYPE_F16;
  return std::nullopt;
}

} // namespace

bool mlir::hybrid::cuda::isLibraryGemm(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic ||
      !getHybridDialect(op->getContext())->getGemmAttrHelper().isAttrPresent(
          op) ||
      !generic.hasPureBufferSemantics())
    return false;
  int64_t count = generic.getNumDpsInits();
  if (count < 1 || generic.getNumDpsInputs() != 1 + count)
    return false;
  auto x = cast<MemRefType>(generic.getDpsInputs()[0].getType());
  if ((x.getRank() != 2 && x.getRank() != 3) || !lowering::hasUnitInnerStride(x) ||
      !gemmDtype(x.getElementType()))
    return false;
  for (int64_t j = 0; j < count; ++j) {
    auto w = cast<MemRefType>(generic.getDpsInputs()[1 + j].getType());
    auto out = cast<MemRefType>(generic.getDpsInits()[j].getType());
    if (w.getRank() != 2 || !lowering::hasUnitInnerStride(w) ||
        !gemmDtype(w.getElementType()) || out.getRank() != x.getRank() ||
        !lowering::hasUnitInnerStride(out) || !gemmDtype(out.getElementType()))
      return false;
  }
  return true;
}

namespace {

/// The environment: the trailing argument of the function around |op|.
Value environmentOf(Operation *op) {
  auto func = op->getParentOfType<func::FuncOp>();
  return func.getArguments().back();
}

Value i64Constant(OpBuilder &b, Location loc, int64_t v) {
  return LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                  b.getI64IntegerAttr(v));
}

/// *(T *)((char *)base + offset)
Value loadField(OpBuilder &b, Location loc, Type type, Value base,
                size_t offset) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Value at = LLVM::GEPOp::create(b, loc, ptr, b.getI8Type(), base,
                                 ArrayRef<LLVM::GEPArg>{int32_t(offset)});
  return LLVM::LoadOp::create(b, loc, type, at);
}

void storeField(OpBuilder &b, Location loc, Value value, Value base,
                size_t offset) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Value at = LLVM::GEPOp::create(b, loc, ptr, b.getI8Type(), base,
                                 ArrayRef<LLVM::GEPArg>{int32_t(offset)});
  LLVM::StoreOp::create(b, loc, value, at);
}

/// env->device_ops->FIELD
Value deviceOpsFunction(OpBuilder &b, Location loc, Value env,
                        size_t fieldOffset) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Value ops = loadField(b, loc, ptr, env, offsetof(hyb_env_t, device_ops));
  return loadField(b, loc, ptr, ops, fieldOffset);
}

/// fn(env, args...) for a function |fn| of the table: its result, or null
/// for |result| void.
Value callDeviceOp(OpBuilder &b, Location loc, Value fn, Value env,
                   Type result, ValueRange args) {
  SmallVector<Type> types = {env.getType()};
  llvm::append_range(types, args.getTypes());
  SmallVector<Value> operands = {fn, env};
  llvm::append_range(operands, args);
  auto call = LLVM::CallOp::create(
      b, loc, LLVM::LLVMFunctionType::get(result, types), operands);
  return call.getNumResults() ? call.getResult() : Value();
}

Value stackBytes(OpBuilder &b, Location loc, int64_t bytes) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  return LLVM::AllocaOp::create(b, loc, ptr, b.getI8Type(),
                                i64Constant(b, loc, bytes), /*alignment=*/8);
}

/// Address of element |index| past the descriptor's aligned pointer and
/// offset.
Value elementAddress(OpBuilder &b, Location loc, MemRefDescriptor desc,
                     Type element, Value index) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Value at = LLVM::AddOp::create(b, loc, desc.offset(b, loc), index);
  return LLVM::GEPOp::create(b, loc, ptr, element, desc.alignedPtr(b, loc),
                             ValueRange{at});
}

struct LowerLaunchFunc : ConvertOpToLLVMPattern<gpu::LaunchFuncOp> {
  LowerLaunchFunc(const LLVMTypeConverter &converter,
                  const llvm::StringMap<uint32_t> &kernelIndex)
      : ConvertOpToLLVMPattern(converter), kernelIndex(kernelIndex) {}

  LogicalResult
  matchAndRewrite(gpu::LaunchFuncOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto it = kernelIndex.find(op.getKernelName().getValue());
    if (it == kernelIndex.end())
      return op.emitOpError("launches a kernel the kernel table lacks");
    MLIRContext *ctx = rewriter.getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i32 = rewriter.getI32Type();
    SmallVector<Value> params = getTypeConverter()->promoteOperands(
        loc, op.getKernelOperands(), adaptor.getKernelOperands(), rewriter,
        /*useBarePtrCallConv=*/false);
    // params[i] points to a stack copy of kernel parameter i.
    Value array = LLVM::AllocaOp::create(
        rewriter, loc, ptr, ptr,
        i64Constant(rewriter, loc, std::max<size_t>(params.size(), 1)), 8);
    for (auto [i, value] : llvm::enumerate(params)) {
      Value slot = LLVM::AllocaOp::create(rewriter, loc, ptr, value.getType(),
                                          i64Constant(rewriter, loc, 1), 8);
      LLVM::StoreOp::create(rewriter, loc, value, slot);
      Value entry = LLVM::GEPOp::create(rewriter, loc, ptr, ptr, array,
                                        ArrayRef<LLVM::GEPArg>{int32_t(i)});
      LLVM::StoreOp::create(rewriter, loc, slot, entry);
    }
    auto dim = [&](Value v) {
      return LLVM::TruncOp::create(rewriter, loc, i32, v);
    };
    Value env = environmentOf(op);
    Value launch = deviceOpsFunction(rewriter, loc, env,
                                     offsetof(hyb_device_ops_t, launch));
    Value shared =
        adaptor.getDynamicSharedMemorySize()
            ? adaptor.getDynamicSharedMemorySize()
            : LLVM::ConstantOp::create(rewriter, loc, i32,
                                       rewriter.getI32IntegerAttr(0));
    callDeviceOp(
        rewriter, loc, launch, env, LLVM::LLVMVoidType::get(ctx),
        {LLVM::ConstantOp::create(rewriter, loc, i32,
                                  rewriter.getI32IntegerAttr(it->second)),
         dim(adaptor.getGridSizeX()), dim(adaptor.getGridSizeY()),
         dim(adaptor.getGridSizeZ()), dim(adaptor.getBlockSizeX()),
         dim(adaptor.getBlockSizeY()), dim(adaptor.getBlockSizeZ()), shared,
         array});
    rewriter.eraseOp(op);
    return success();
  }

  const llvm::StringMap<uint32_t> &kernelIndex;
};

struct LowerAlloc : ConvertOpToLLVMPattern<memref::AllocOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(memref::AllocOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MemRefType type = op.getType();
    if (!isConvertibleAndHasIdentityMaps(type))
      return rewriter.notifyMatchFailure(op, "not an identity layout");
    Location loc = op.getLoc();
    SmallVector<Value> sizes, strides;
    Value bytes;
    getMemRefDescriptorSizes(loc, type, adaptor.getDynamicSizes(), rewriter,
                             sizes, strides, bytes, /*sizeInBytes=*/true);
    auto ptr = LLVM::LLVMPointerType::get(rewriter.getContext());
    Value env = environmentOf(op);
    Value alloc = deviceOpsFunction(rewriter, loc, env,
                                    offsetof(hyb_device_ops_t, alloc));
    Value memory = callDeviceOp(rewriter, loc, alloc, env, ptr, {bytes});
    Value descriptor = createMemRefDescriptor(loc, type, memory, memory, sizes,
                                              strides, rewriter);
    rewriter.replaceOp(op, descriptor);
    return success();
  }
};

struct LowerDealloc : ConvertOpToLLVMPattern<memref::DeallocOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(memref::DeallocOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value env = environmentOf(op);
    Value free = deviceOpsFunction(rewriter, loc, env,
                                   offsetof(hyb_device_ops_t, free));
    Value memory =
        MemRefDescriptor(adaptor.getMemref()).allocatedPtr(rewriter, loc);
    callDeviceOp(rewriter, loc, free, env,
                 LLVM::LLVMVoidType::get(rewriter.getContext()), {memory});
    rewriter.eraseOp(op);
    return success();
  }
};

/// out_j[..., n] += scale(n) * sum_k x[..., k] * w_j[n, k], one
/// hyb_device_ops_t::gemm per weight and section of constant scale.
struct LowerGemm : ConvertOpToLLVMPattern<linalg::GenericOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(linalg::GenericOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!cuda::isLibraryGemm(op))
      return rewriter.notifyMatchFailure(op, "not a library GEMM");
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto i32 = b.getI32Type();
    auto f32 = b.getF32Type();
    auto x = cast<MemRefType>(op.getDpsInputs()[0].getType());
    int64_t rank = x.getRank();
    MemRefDescriptor xd(adaptor.getInputs()[0]);
    GemmAttr gemmAttr =
        getHybridDialect(op->getContext())->getGemmAttrHelper().getAttr(op);
    auto scales = lowering::FeatureScales::fromGemmAttr(gemmAttr);
    const bool overwrite = gemmAttr.getOverwrite();
    SmallVector<std::pair<int64_t, double>> sections; // (size, scale)
    if (scales.sizes.empty())
      sections.push_back({-1, scales.uniform});
    for (auto [size, scale] : llvm::zip(scales.sizes, scales.scales))
      sections.push_back({size, scales.uniform * scale});

    Value env = environmentOf(op);
    Value gemm =
        deviceOpsFunction(b, loc, env, offsetof(hyb_device_ops_t, gemm));
    Value zero = i64Constant(b, loc, 0), one = i64Constant(b, loc, 1);
    Value k = xd.size(b, loc, rank - 1);
    Value lda = xd.stride(b, loc, rank - 2);

    for (int64_t j = 0; j < op.getNumDpsInits(); ++j) {
      auto w = cast<MemRefType>(op.getDpsInputs()[1 + j].getType());
      auto out = cast<MemRefType>(op.getDpsInits()[j].getType());
      MemRefDescriptor wd(adaptor.getInputs()[1 + j]);
      MemRefDescriptor cd(adaptor.getOutputs()[j]);
      Value ldb = wd.stride(b, loc, 0);
      Value ldc = cd.stride(b, loc, rank - 2);
      // [B, T, K] rows are one matrix of B*T rows when both x and out have
      // batch stride T*ld (views of whole rows); else B GEMMs of T rows.
      Value m, batch = one, strideA = zero, strideC = zero;
      if (rank == 2) {
        m = xd.size(b, loc, 0);
      } else {
        Value rows = xd.size(b, loc, 1), batches = xd.size(b, loc, 0);
        Value sa = xd.stride(b, loc, 0), sc = cd.stride(b, loc, 0);
        Value flatA = LLVM::ICmpOp::create(
            b, loc, LLVM::ICmpPredicate::eq, sa,
            LLVM::MulOp::create(b, loc, rows, lda));
        Value flatC = LLVM::ICmpOp::create(
            b, loc, LLVM::ICmpPredicate::eq, sc,
            LLVM::MulOp::create(b, loc, rows, ldc));
        Value flat = LLVM::AndOp::create(b, loc, flatA, flatC);
        m = LLVM::SelectOp::create(b, loc, flat,
                                   LLVM::MulOp::create(b, loc, rows, batches),
                                   rows);
        batch = LLVM::SelectOp::create(b, loc, flat, one, batches);
        strideA = LLVM::SelectOp::create(b, loc, flat, zero, sa);
        strideC = LLVM::SelectOp::create(b, loc, flat, zero, sc);
      }
      int64_t n0 = 0;
      for (auto [size, scale] : sections) {
        Value start = i64Constant(b, loc, n0);
        Value n = size < 0 ? wd.size(b, loc, 0) : i64Constant(b, loc, size);
        Value desc = stackBytes(b, loc, sizeof(hyb_gemm_t));
        auto i32c = [&](int64_t v) {
          return LLVM::ConstantOp::create(b, loc, i32,
                                          b.getI32IntegerAttr(int32_t(v)));
        };
        auto f32c = [&](double v) {
          return LLVM::ConstantOp::create(b, loc, f32,
                                          b.getF32FloatAttr(float(v)));
        };
        storeField(b, loc, i32c(*gemmDtype(x.getElementType())), desc,
                   offsetof(hyb_gemm_t, a_dtype));
        storeField(b, loc, i32c(*gemmDtype(w.getElementType())), desc,
                   offsetof(hyb_gemm_t, b_dtype));
        storeField(b, loc, i32c(*gemmDtype(out.getElementType())), desc,
                   offsetof(hyb_gemm_t, c_dtype));
        storeField(b, loc, i32c(0), desc, offsetof(hyb_gemm_t, reserved_i32));
        storeField(b, loc, m, desc, offsetof(hyb_gemm_t, m));
        storeField(b, loc, n, desc, offsetof(hyb_gemm_t, n));
        storeField(b, loc, k, desc, offsetof(hyb_gemm_t, k));
        storeField(b, loc, batch, desc, offsetof(hyb_gemm_t, batch));
        storeField(b, loc, elementAddress(b, loc, xd, x.getElementType(), zero),
                   desc, offsetof(hyb_gemm_t, a));
        storeField(b, loc, lda, desc, offsetof(hyb_gemm_t, lda));
        storeField(b, loc, strideA, desc, offsetof(hyb_gemm_t, stride_a));
        storeField(b, loc,
                   elementAddress(b, loc, wd, w.getElementType(),
                                  LLVM::MulOp::create(b, loc, start, ldb)),
                   desc, offsetof(hyb_gemm_t, b));
        storeField(b, loc, ldb, desc, offsetof(hyb_gemm_t, ldb));
        storeField(b, loc, zero, desc, offsetof(hyb_gemm_t, stride_b));
        storeField(b, loc,
                   elementAddress(b, loc, cd, out.getElementType(), start),
                   desc, offsetof(hyb_gemm_t, c));
        storeField(b, loc, ldc, desc, offsetof(hyb_gemm_t, ldc));
        storeField(b, loc, strideC, desc, offsetof(hyb_gemm_t, stride_c));
        storeField(b, loc, f32c(scale), desc, offsetof(hyb_gemm_t, alpha));
        // The output holds the accumulator's initial value (the residual
        // the projection adds to), unless the GEMM overwrites it (a zero
        // fill folded into the call).
        storeField(b, loc, f32c(overwrite ? 0.0 : 1.0), desc,
                   offsetof(hyb_gemm_t, beta));
        callDeviceOp(b, loc, gemm, env, LLVM::LLVMVoidType::get(b.getContext()),
                     {desc});
        if (size >= 0)
          n0 += size;
      }
    }
    rewriter.eraseOp(op);
    return success();
  }
};

struct HybridCUDALowerHostToDeviceOpsPass
    : mlir::hybrid::impl::HybridCUDALowerHostToDeviceOpsPassBase<
          HybridCUDALowerHostToDeviceOpsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    llvm::StringMap<uint32_t> kernelIndex;
    for (auto gpuModule : module.getOps<gpu::GPUModuleOp>())
      for (StringRef name : cuda::kernelNames(gpuModule))
        kernelIndex.try_emplace(name, uint32_t(kernelIndex.size()));

    auto ptr = LLVM::LLVMPointerType::get(ctx);
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || func.isPrivate())
        continue;
      if (failed(func.insertArgument(func.getNumArguments(), ptr, {},
                                     func.getLoc())))
        return signalPassFailure();
    }

    LLVMTypeConverter converter(ctx);
    RewritePatternSet patterns(ctx);
    patterns.add<LowerLaunchFunc>(converter, kernelIndex);
    patterns.add<LowerAlloc, LowerDealloc, LowerGemm>(converter);
    ConversionTarget target(*ctx);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addIllegalOp<gpu::LaunchFuncOp, memref::AllocOp,
                        memref::DeallocOp>();
    target.addDynamicallyLegalOp<linalg::GenericOp>(
        [](linalg::GenericOp op) { return !cuda::isLibraryGemm(op); });
    FrozenRewritePatternSet frozen(std::move(patterns));
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (failed(applyPartialConversion(func, target, frozen)))
        return signalPassFailure();
  }
};

} // namespace
