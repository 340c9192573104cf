//===- FormKernels.cpp - bufferized loops to gpu.launch -------------------===//
//
// Every op of a function body that reads or writes buffer contents runs on
// the device; the host keeps what only computes descriptors (allocations,
// views, dims, index arithmetic) and the library calls the target asks for
// (cuBLASLt GEMMs). Two kernel forms, chosen by structure alone:
//
// - a top-level scf.parallel becomes a grid kernel: its iteration space,
//   flattened, one thread a point, 256 threads a block; nested loops run
//   sequentially in the thread;
// - any other run of memory-touching ops (a loop over the batch that reads
//   positions, scalar stores, reductions written as scf.for) becomes a
//   one-block kernel: its sequential code runs in every thread of the block
//   on the same values, each store by thread 0 between barriers, and the
//   scf.parallel loops inside are shared out among the block's threads.
//
// Nothing reads device memory on the host, so a decode step enqueues its
// whole work without a round trip and can be captured as one CUDA graph.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define DEBUG_TYPE "hybrid-form-gpu-kernels"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDFORMGPUKERNELSPASS
#include "passes/Conversion/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// Ops that only compute descriptors, sizes and indices: they read no
/// buffer contents, so they stay on the host and feed launches.
bool computesDescriptorsOnly(Operation *op) {
  if (isa<memref::AllocOp, memref::DeallocOp, func::ReturnOp>(op))
    return true;
  return op->getNumRegions() == 0 && isMemoryEffectFree(op);
}

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// max(ceil((ub - lb) / step), 0) for each dimension of |loop|.
SmallVector<Value> tripCounts(OpBuilder &b, Location loc,
                              scf::ParallelOp loop) {
  SmallVector<Value> counts;
  Value zero = indexConstant(b, loc, 0);
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    span = arith::MaxSIOp::create(b, loc, span, zero);
    counts.push_back(arith::CeilDivUIOp::create(b, loc, span, step));
  }
  return counts;
}

Value product(OpBuilder &b, Location loc, ArrayRef<Value> values) {
  Value p = indexConstant(b, loc, 1);
  for (Value v : values)
    p = arith::MulIOp::create(b, loc, p, v);
  return p;
}

/// The induction variables of |loop| at point |linear| of its flattened
/// iteration space (the last dimension fastest, so that neighbouring
/// threads touch neighbouring elements).
SmallVector<Value> inductionVariablesAt(OpBuilder &b, Location loc,
                                        scf::ParallelOp loop,
                                        ArrayRef<Value> counts, Value linear) {
  size_t rank = counts.size();
  SmallVector<Value> ivs(rank);
  for (size_t i = rank; i-- > 0;) {
    Value idx = linear;
    if (i > 0) {
      idx = arith::RemUIOp::create(b, loc, linear, counts[i]);
      linear = arith::DivUIOp::create(b, loc, linear, counts[i]);
    }
    Value scaled = arith::MulIOp::create(b, loc, idx, loop.getStep()[i]);
    ivs[i] = arith::AddIOp::create(b, loc, loop.getLowerBound()[i], scaled);
  }
  return ivs;
}

/// Clones |loop|'s body, without its terminator, at |b| with its induction
/// variables replaced by |ivs|.
void cloneBodyAt(OpBuilder &b, scf::ParallelOp loop, ValueRange ivs) {
  IRMapping map;
  map.map(loop.getInductionVars(), ivs);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, map);
}

class KernelFormer {
public:
  KernelFormer(func::FuncOp func, int64_t blockSize,
               StringAttr kernelModule)
      : func(func), blockSize(blockSize), kernelModule(kernelModule) {}

  /// Forms the kernels of the function body. Ops that stay on the host
  /// keep their place; a run of device ops becomes one kernel, launched
  /// where the run ends: before the next grid kernel, library call,
  /// deallocation or return, after every view and allocation it uses.
  LogicalResult run() {
    Block &body = func.getBody().front();
    SmallVector<Operation *> pending;
    for (Operation &op : llvm::make_early_inc_range(body)) {
      if (auto loop = dyn_cast<scf::ParallelOp>(op);
          loop && loop.getNumResults() == 0) {
        if (failed(flush(pending, &op)))
          return failure();
        formGridKernel(loop);
        continue;
      }
      if (isa<memref::DeallocOp, func::ReturnOp>(op) ||
          isHostLibraryCall(&op)) {
        if (failed(flush(pending, &op)))
          return failure();
        continue;
      }
      // Index arithmetic on a value the device computes joins the device.
      if (computesDescriptorsOnly(&op) &&
          !(isMemoryEffectFree(&op) && usesPending(&op, pending)))
        continue;
      pending.push_back(&op);
    }
    return success();
  }

  std::function<bool(Operation *)> isHostLibraryCall;

private:
  static bool usesPending(Operation *op, ArrayRef<Operation *> pending) {
    return llvm::any_of(op->getOperands(), [&](Value v) {
      Operation *def = v.getDefiningOp();
      return def && llvm::is_contained(pending, def);
    });
  }

  gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, Value blocks,
                             Value threads) {
    Value one = indexConstant(b, loc, 1);
    std::string name =
        (func.getName() + "_kernel_" + Twine(kernelCount++)).str();
    auto launch = gpu::LaunchOp::create(
        b, loc, blocks, one, one, threads, one, one,
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/{}, /*workgroupAttributions=*/{},
        /*privateAttributions=*/{}, nullptr, nullptr, nullptr,
        FlatSymbolRefAttr::get(kernelModule),
        FlatSymbolRefAttr::get(b.getContext(), name));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(&launch.getBody().front());
    gpu::TerminatorOp::create(b, loc);
    return launch;
  }

  /// One thread a point of |loop|'s iteration space.
  void formGridKernel(scf::ParallelOp loop) {
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    SmallVector<Value> counts = tripCounts(b, loc, loop);
    Value total = product(b, loc, counts);
    Value block = indexConstant(b, loc, blockSize);
    // A grid of at least one block: an empty loop launches a block that
    // does nothing rather than an invalid grid.
    Value blocks = arith::MaxUIOp::create(
        b, loc, arith::CeilDivUIOp::create(b, loc, total, block),
        indexConstant(b, loc, 1));
    gpu::LaunchOp launch = createLaunch(b, loc, blocks, block);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value linear = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, launch.getBlockIds().x, block),
        launch.getThreadIds().x);
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         linear, total);
    auto guard = scf::IfOp::create(b, loc, inside, /*withElse=*/false);
    b.setInsertionPointToStart(guard.thenBlock());
    cloneBodyAt(b, loop, inductionVariablesAt(b, loc, loop, counts, linear));
    loop.erase();
  }

  /// One block of threads runs |ops| in order (see the file comment).
  LogicalResult flush(SmallVector<Operation *> &ops, Operation *before) {
    if (ops.empty())
      return success();
    llvm::SmallPtrSet<Operation *, 16> inRun(ops.begin(), ops.end());
    for (Operation *op : ops) {
      for (Operation *user : op->getUsers()) {
        Operation *top = func.getBody().front().findAncestorOpInBlock(*user);
        if (!inRun.contains(top))
          return op->emitOpError()
                 << "computes a value the host needs (used by "
                 << user->getName()
                 << "): device code cannot hand values back to the host";
      }
      WalkResult bad = op->walk([&](Operation *inner) {
        if (isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp>(inner)) {
          inner->emitOpError("allocates inside device code");
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (bad.wasInterrupted())
        return failure();
    }
    OpBuilder b(before);
    Location loc = ops.front()->getLoc();
    Value block = indexConstant(b, loc, blockSize);
    gpu::LaunchOp launch =
        createLaunch(b, loc, indexConstant(b, loc, 1), block);
    Block &body = launch.getBody().front();
    for (Operation *op : ops)
      op->moveBefore(body.getTerminator());
    ops.clear();

    Value tid = launch.getThreadIds().x;
    // Stores of the sequential code: by thread 0, after every thread has
    // read what it stores over, before any reads what it stored.
    SmallVector<memref::StoreOp> stores;
    body.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<scf::ParallelOp>(op))
        return WalkResult::skip();
      if (auto store = dyn_cast<memref::StoreOp>(op))
        stores.push_back(store);
      return WalkResult::advance();
    });
    for (memref::StoreOp store : stores) {
      OpBuilder sb(store);
      Location sl = store.getLoc();
      gpu::BarrierOp::create(sb, sl);
      Value first = arith::CmpIOp::create(sb, sl, arith::CmpIPredicate::eq,
                                          tid, indexConstant(sb, sl, 0));
      auto only = scf::IfOp::create(sb, sl, first, /*withElse=*/false);
      store->moveBefore(only.thenBlock()->getTerminator());
      sb.setInsertionPointAfter(only);
      gpu::BarrierOp::create(sb, sl);
    }
    // Parallel loops of the sequential code: shared out, between barriers.
    SmallVector<scf::ParallelOp> loops;
    body.walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      loops.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ParallelOp loop : loops) {
      if (loop.getNumResults() != 0)
        return loop.emitOpError(
            "a parallel reduction inside sequential device code");
      OpBuilder lb(loop);
      Location ll = loop.getLoc();
      gpu::BarrierOp::create(lb, ll);
      SmallVector<Value> counts = tripCounts(lb, ll, loop);
      Value total = product(lb, ll, counts);
      auto shared = scf::ForOp::create(lb, ll, tid, total,
                                       indexConstant(lb, ll, blockSize));
      OpBuilder inner = OpBuilder::atBlockBegin(shared.getBody());
      cloneBodyAt(inner, loop,
                  inductionVariablesAt(inner, ll, loop, counts,
                                       shared.getInductionVar()));
      lb.setInsertionPointAfter(shared);
      gpu::BarrierOp::create(lb, ll);
      loop.erase();
    }
    return success();
  }

  func::FuncOp func;
  int64_t blockSize;
  StringAttr kernelModule;
  int64_t kernelCount = 0;
};

struct HybridFormGPUKernelsPass
    : mlir::hybrid::impl::HybridFormGPUKernelsPassBase<
          HybridFormGPUKernelsPass> {
  using Base::Base;
  HybridFormGPUKernelsPass(HostLibraryCallFn fn) : keepOnHost(std::move(fn)) {}

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    MLIRContext *ctx = &getContext();
    auto onHost = [&](Operation *op) {
      return keepOnHost && op->getParentOp() == func.getOperation() &&
             keepOnHost(op);
    };
    // Copies run on the device too: as linalg.copy, then loops.
    IRRewriter rewriter(ctx);
    SmallVector<memref::CopyOp> copies;
    func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      linalg::CopyOp::create(rewriter, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      rewriter.eraseOp(copy);
    }
    // Every linalg op that no library call takes becomes loops: scf.parallel
    // over its parallel dimensions, scf.for over its reductions.
    SmallVector<linalg::LinalgOp> linalgOps;
    func.walk([&](linalg::LinalgOp op) {
      if (!onHost(op))
        linalgOps.push_back(op);
    });
    for (linalg::LinalgOp op : linalgOps) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::linalgOpToParallelLoops(rewriter, op))) {
        op->emitOpError("cannot be lowered to loops for the GPU");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
    }
    KernelFormer former(func, blockSize,
                        StringAttr::get(ctx, kernelModuleName));
    former.isHostLibraryCall = onHost;
    if (failed(former.run()))
      return signalPassFailure();
  }

  HostLibraryCallFn keepOnHost;
};

} // namespace

std::unique_ptr<Pass>
mlir::hybrid::createHybridFormGPUKernelsPass(HostLibraryCallFn keepOnHost) {
  return std::make_unique<HybridFormGPUKernelsPass>(std::move(keepOnHost));
}
