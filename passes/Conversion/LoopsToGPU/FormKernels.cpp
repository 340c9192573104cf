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

#include "dialect/IR/HybridDialect.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/Matchers.h"

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
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/TypeSwitch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/MapVector.h"

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

/// |ivs| delinearized from |linear| over |counts| (last fastest).
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear,
                               ArrayRef<Value> counts) {
  SmallVector<Value> ivs(counts.size());
  for (size_t i = counts.size(); i-- > 0;) {
    if (i == 0) {
      ivs[0] = linear;
      break;
    }
    ivs[i] = arith::RemUIOp::create(b, loc, linear, counts[i]);
    linear = arith::DivUIOp::create(b, loc, linear, counts[i]);
  }
  return ivs;
}

/// The induction variables of |loop| at point |linear| of its flattened
/// iteration space (the last dimension fastest, so that neighbouring
/// threads touch neighbouring elements).
SmallVector<Value> inductionVariablesAt(OpBuilder &b, Location loc,
                                        scf::ParallelOp loop,
                                        ArrayRef<Value> counts, Value linear) {
  SmallVector<Value> ivs = delinearize(b, loc, linear, counts);
  for (auto [iv, lb, step] :
       llvm::zip(ivs, loop.getLowerBound(), loop.getStep()))
    iv = arith::AddIOp::create(b, loc, lb,
                               arith::MulIOp::create(b, loc, iv, step));
  return ivs;
}

/// thread_id.x == 0: the thread that makes a block's stores.
Value isFirstThread(OpBuilder &b, Location loc, Value tid) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                               indexConstant(b, loc, 0));
}

/// A buffer a thread keeps in local memory.
constexpr int64_t kMaxPrivateBytes = 16 << 10;

/// Clones |loop|'s body, without its terminator, at |b| with its induction
/// variables replaced by |ivs|.
void cloneBodyAt(OpBuilder &b, scf::ParallelOp loop, ValueRange ivs,
                 IRMapping &map) {
  map.map(loop.getInductionVars(), ivs);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, map);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// What a reduction output accumulates: its yielded value is
/// `combiner(out, value)`, out used nowhere else.
struct Combiner {
  Operation *op;
  Value value;
  gpu::AllReduceOperation kind;
};

/// The gpu.all_reduce operation that |op| is, if it is one of a float
/// reduction's combiners.
std::optional<gpu::AllReduceOperation> combinerKind(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<gpu::AllReduceOperation>>(
             op)
      .Case([](arith::AddFOp) { return gpu::AllReduceOperation::ADD; })
      .Case([](arith::MulFOp) { return gpu::AllReduceOperation::MUL; })
      .Case([](arith::MaximumFOp) { return gpu::AllReduceOperation::MAXIMUMF; })
      .Case([](arith::MinimumFOp) { return gpu::AllReduceOperation::MINIMUMF; })
      .Case([](arith::MaxNumFOp) { return gpu::AllReduceOperation::MAXNUMF; })
      .Case([](arith::MinNumFOp) { return gpu::AllReduceOperation::MINNUMF; })
      .Default([](Operation *) { return std::nullopt; });
}

std::optional<Combiner> combinerOf(linalg::GenericOp g, unsigned j) {
  BlockArgument out = g.getMatchingBlockArgument(g.getDpsInitOperand(j));
  auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
  Operation *def = yield.getOperand(j).getDefiningOp();
  if (!def || def->getNumOperands() != 2 || def->getNumResults() != 1 ||
      !out.hasOneUse() || !def->getResult(0).hasOneUse() ||
      def->getBlock() != g.getBody())
    return std::nullopt;
  std::optional<gpu::AllReduceOperation> kind = combinerKind(def);
  if (!kind)
    return std::nullopt;
  if (def->getOperand(0) == out)
    return Combiner{def, def->getOperand(1), *kind};
  if (def->getOperand(1) == out)
    return Combiner{def, def->getOperand(0), *kind};
  return std::nullopt;
}

Value identityOf(OpBuilder &b, Location loc, gpu::AllReduceOperation kind,
                 FloatType type) {
  const llvm::fltSemantics &sem = type.getFloatSemantics();
  APFloat value = APFloat::getZero(sem);
  switch (kind) {
  case gpu::AllReduceOperation::MUL:
    value = APFloat::getOne(sem);
    break;
  case gpu::AllReduceOperation::MAXIMUMF:
  case gpu::AllReduceOperation::MAXNUMF:
    value = APFloat::getInf(sem, /*Negative=*/true);
    break;
  case gpu::AllReduceOperation::MINIMUMF:
  case gpu::AllReduceOperation::MINNUMF:
    value = APFloat::getInf(sem, /*Negative=*/false);
    break;
  default:
    break;
  }
  return arith::ConstantFloatOp::create(b, loc, type, value);
}

//===----------------------------------------------------------------------===//
// Warp lanes
//===----------------------------------------------------------------------===//
//
// A lane whose innermost loops run over a vector (an attention row's head
// dimension, a scan's state) is a warp's work, not a thread's: the 32
// threads take every 32nd element of each such loop, a float reduction
// they carry is combined across the warp with xor shuffles, and the code
// around those loops runs in every thread on the same values. The loads
// of neighbouring threads become neighbouring addresses (one thread per
// lane reads a row with a stride of a row), and the lane count is no
// longer the GPU's parallelism. What makes it safe is checked on buffers:
// a buffer that a shared loop writes is touched only inside shared loops
// of the same lower bound and step, always through the same view and with
// the loop's induction variable in the same index position, so each of
// its elements belongs to one thread. A butterfly of commutative combines
// leaves the same bits in every thread, so the code after a reduction
// stays uniform.

constexpr int64_t kWarpSize = 32;
/// Shorter loops leave most of the warp idle.
constexpr int64_t kMinWarpLoopTrip = 16;

/// The buffer behind |v|'s views.
Value bufferRoot(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// |v|'s value where constants and integer arithmetic on them make it
/// (the loops linalg lowers to compute their bounds as `1 * size`).
std::optional<int64_t> foldedConstant(Value v, int depth = 0) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return c;
  Operation *def = v.getDefiningOp();
  if (!def || depth > 8 || def->getNumOperands() != 2)
    return std::nullopt;
  std::optional<int64_t> a = foldedConstant(def->getOperand(0), depth + 1);
  std::optional<int64_t> c = foldedConstant(def->getOperand(1), depth + 1);
  if (!a || !c)
    return std::nullopt;
  return llvm::TypeSwitch<Operation *, std::optional<int64_t>>(def)
      .Case([&](arith::AddIOp) { return *a + *c; })
      .Case([&](arith::SubIOp) { return *a - *c; })
      .Case([&](arith::MulIOp) { return *a * *c; })
      .Default([](Operation *) { return std::nullopt; });
}

bool sameIndexValue(Value a, Value b) {
  if (a == b)
    return true;
  std::optional<int64_t> ca = foldedConstant(a), cb = foldedConstant(b);
  return ca && cb && *ca == *cb;
}

/// |v| without the identity affine.apply that linalg's loops put on an
/// induction variable.
Value throughIdentity(Value v) {
  if (auto apply = v.getDefiningOp<affine::AffineApplyOp>();
      apply && apply.getAffineMap().isIdentity() &&
      apply.getMapOperands().size() == 1)
    return apply.getMapOperands()[0];
  return v;
}

/// A pair of a loop's iteration arguments that carry the best value seen
/// and its index (an argmax): value' = select(c, x, value), index' =
/// select(c, i, index), c = cmpf(pred, x, value), pred one of ogt, olt
/// (the first best wins), oge, ole (the last).
struct ArgBest {
  unsigned value, index;
  arith::CmpFPredicate pred;
};

/// The select of |yielded| if it is `select(c, x, arg)` of loop body |body|
/// used only by the yield.
arith::SelectOp selectOfArg(Value yielded, Value arg, Block *body) {
  auto sel = yielded.getDefiningOp<arith::SelectOp>();
  if (!sel || sel->getBlock() != body || !sel->hasOneUse() ||
      sel.getFalseValue() != arg)
    return nullptr;
  return sel;
}

/// The ArgBest pairs of |f|'s iteration arguments; every argument not in a
/// pair must be a float reduction (see asWarpLoop), else none.
std::optional<SmallVector<ArgBest>> argBestPairs(scf::ForOp f) {
  auto yield = cast<scf::YieldOp>(f.getBody()->getTerminator());
  SmallVector<ArgBest> pairs;
  unsigned n = f.getNumRegionIterArgs();
  SmallVector<bool> paired(n, false);
  for (unsigned v = 0; v < n; ++v) {
    BlockArgument value = f.getRegionIterArgs()[v];
    if (!isa<FloatType>(value.getType()))
      continue;
    arith::SelectOp sel = selectOfArg(yield.getOperand(v), value, f.getBody());
    if (!sel)
      continue;
    auto cmp = sel.getCondition().getDefiningOp<arith::CmpFOp>();
    if (!cmp || cmp.getLhs() != sel.getTrueValue() || cmp.getRhs() != value ||
        !llvm::is_contained({arith::CmpFPredicate::OGT, arith::CmpFPredicate::OLT,
                             arith::CmpFPredicate::OGE, arith::CmpFPredicate::OLE},
                            cmp.getPredicate()))
      continue;
    // The value argument feeds the comparison and its select alone.
    if (!llvm::all_of(value.getUsers(), [&](Operation *u) {
          return u == cmp.getOperation() || u == sel.getOperation();
        }))
      continue;
    for (unsigned i = 0; i < n; ++i) {
      BlockArgument index = f.getRegionIterArgs()[i];
      if (i == v || paired[i] || !index.getType().isSignlessIntOrIndex() ||
          !index.hasOneUse())
        continue;
      arith::SelectOp isel =
          selectOfArg(yield.getOperand(i), index, f.getBody());
      if (!isel || isel.getCondition() != sel.getCondition())
        continue;
      pairs.push_back({v, i, cmp.getPredicate()});
      paired[v] = paired[i] = true;
      break;
    }
  }
  for (unsigned j = 0; j < n; ++j) {
    if (paired[j])
      continue;
    BlockArgument arg = f.getRegionIterArgs()[j];
    Operation *def = yield.getOperand(j).getDefiningOp();
    if (!isa<FloatType>(arg.getType()) || !arg.hasOneUse() || !def ||
        def->getBlock() != f.getBody() || def->getNumOperands() != 2 ||
        !def->getResult(0).hasOneUse() || !combinerKind(def) ||
        !llvm::is_contained(def->getOperands(), Value(arg)))
      return std::nullopt;
  }
  return pairs;
}

struct WarpLoop {
  Operation *op;
  Value iv, lb, step;
};

/// |op| as a loop a warp can share: innermost, one dimension, long
/// enough (or of a size known only at run time), its iteration arguments
/// float reductions, and nothing in it but arithmetic, loads, stores,
/// views and conditionals.
std::optional<WarpLoop> asWarpLoop(Operation *op) {
  WarpLoop w{op, {}, {}, {}};
  Value ub;
  if (auto f = dyn_cast<scf::ForOp>(op)) {
    w.iv = f.getInductionVar();
    w.lb = f.getLowerBound();
    ub = f.getUpperBound();
    w.step = f.getStep();
    if (!argBestPairs(f))
      return std::nullopt;
  } else if (auto p = dyn_cast<scf::ParallelOp>(op)) {
    if (p.getNumLoops() != 1 || p.getNumResults() != 0)
      return std::nullopt;
    w.iv = p.getInductionVars()[0];
    w.lb = p.getLowerBound()[0];
    ub = p.getUpperBound()[0];
    w.step = p.getStep()[0];
  } else {
    return std::nullopt;
  }
  std::optional<int64_t> lb = foldedConstant(w.lb), hi = foldedConstant(ub),
                         step = foldedConstant(w.step);
  if (lb && hi && step && *step > 0 &&
      (*hi - *lb + *step - 1) / *step < kMinWarpLoopTrip)
    return std::nullopt;
  WalkResult r = op->walk([&](Operation *inner) {
    if (inner == op)
      return WalkResult::advance();
    if (isa<LoopLikeOpInterface>(inner))
      return WalkResult::interrupt();
    if (isa<memref::LoadOp, memref::StoreOp, ViewLikeOpInterface, scf::IfOp,
            scf::YieldOp, scf::ReduceOp>(inner) ||
        isMemoryEffectFree(inner))
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  if (r.wasInterrupted())
    return std::nullopt;
  return w;
}

/// The loops of the lane |body| that a warp can share, or none where no
/// loop can be (see the section comment).
SmallVector<WarpLoop> findWarpLoops(Block *body) {
  SmallVector<WarpLoop> loops;
  body->walk([&](Operation *op) {
    if (std::optional<WarpLoop> w = asWarpLoop(op))
      loops.push_back(*w);
  });
  // Every access to a buffer, with the shared loop around it, if any.
  struct Access {
    Operation *op;
    Value view;
    SmallVector<Value> indices;
    bool write;
  };
  llvm::MapVector<Value, SmallVector<Access>> accesses;
  llvm::SmallPtrSet<Value, 8> opaque; // used other than by loads and stores
  body->walk([&](Operation *op) {
    if (auto load = dyn_cast<memref::LoadOp>(op))
      accesses[bufferRoot(load.getMemRef())].push_back(
          {op, load.getMemRef(),
           llvm::map_to_vector(load.getIndices(), throughIdentity), false});
    else if (auto store = dyn_cast<memref::StoreOp>(op))
      accesses[bufferRoot(store.getMemRef())].push_back(
          {op, store.getMemRef(),
           llvm::map_to_vector(store.getIndices(), throughIdentity), true});
    else if (!isa<ViewLikeOpInterface, memref::DimOp, memref::AllocOp,
                   memref::AllocaOp, memref::DeallocOp>(op) &&
             !isMemoryEffectFree(op))
      for (Value v : op->getOperands())
        if (isa<BaseMemRefType>(v.getType())) {
          opaque.insert(bufferRoot(v));
        }
  });
  auto enclosing = [&](Operation *op) -> const WarpLoop * {
    for (const WarpLoop &w : loops)
      if (w.op->isProperAncestor(op))
        return &w;
    return nullptr;
  };
  // Drop the loops that write a buffer some access of which is not the
  // owning thread's, until none is left to drop.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto &[root, list] : accesses) {
      bool written = llvm::any_of(list, [&](const Access &a) {
        return a.write && enclosing(a.op);
      });
      if (!written)
        continue;
      const WarpLoop *first = nullptr;
      Value view;
      int64_t position = -1;
      bool owned = !opaque.contains(root);
      for (const Access &a : list) {
        const WarpLoop *w = enclosing(a.op);
        if (!owned || !w) {
          owned = false;
          break;
        }
        auto at = llvm::find(a.indices, w->iv);
        if (at == a.indices.end() ||
            llvm::count(a.indices, w->iv) != 1) {
          owned = false;
          break;
        }
        int64_t pos = at - a.indices.begin();
        if (!first) {
          first = w;
          view = a.view;
          position = pos;
        } else if (a.view != view || pos != position ||
                   !sameIndexValue(w->lb, first->lb) ||
                   !sameIndexValue(w->step, first->step)) {
          owned = false;
          break;
        }
      }
      if (owned)
        continue;
      for (const Access &a : list)
        if (const WarpLoop *w = enclosing(a.op)) {
          Operation *drop = w->op;
          llvm::erase_if(loops, [&](const WarpLoop &l) { return l.op == drop; });
          changed = true;
        }
      if (changed)
        break;
    }
  }
  return loops;
}

Value combineWith(OpBuilder &b, Location loc, gpu::AllReduceOperation kind,
                  Value a, Value v) {
  switch (kind) {
  case gpu::AllReduceOperation::MUL:
    return arith::MulFOp::create(b, loc, a, v);
  case gpu::AllReduceOperation::MAXIMUMF:
    return arith::MaximumFOp::create(b, loc, a, v);
  case gpu::AllReduceOperation::MINIMUMF:
    return arith::MinimumFOp::create(b, loc, a, v);
  case gpu::AllReduceOperation::MAXNUMF:
    return arith::MaxNumFOp::create(b, loc, a, v);
  case gpu::AllReduceOperation::MINNUMF:
    return arith::MinNumFOp::create(b, loc, a, v);
  default:
    return arith::AddFOp::create(b, loc, a, v);
  }
}

/// |v| (an integer of at most 64 bits, or an index) from the thread |offset|
/// away in a butterfly: as two 32-bit halves.
Value shuffleInteger(OpBuilder &b, Location loc, Value v, int32_t offset) {
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  Value wide = v.getType().isIndex()
                   ? Value(arith::IndexCastOp::create(b, loc, i64, v))
                   : v.getType().getIntOrFloatBitWidth() < 64
                         ? Value(arith::ExtSIOp::create(b, loc, i64, v))
                         : v;
  auto half = [&](Value x) {
    return gpu::ShuffleOp::create(b, loc, x, offset, kWarpSize,
                                  gpu::ShuffleMode::XOR)
        .getShuffleResult();
  };
  Value lo = half(arith::TruncIOp::create(b, loc, i32, wide));
  Value hi = half(arith::TruncIOp::create(
      b, loc, i32,
      arith::ShRUIOp::create(
          b, loc, wide,
          arith::ConstantIntOp::create(b, loc, i64, 32))));
  Value joined = arith::OrIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, i64, lo),
      arith::ShLIOp::create(b, loc, arith::ExtUIOp::create(b, loc, i64, hi),
                            arith::ConstantIntOp::create(b, loc, i64, 32)));
  if (v.getType().isIndex())
    return arith::IndexCastOp::create(b, loc, v.getType(), joined);
  if (v.getType().getIntOrFloatBitWidth() < 64)
    return arith::TruncIOp::create(b, loc, v.getType(), joined);
  return joined;
}

/// The butterfly of an ArgBest pair of |loop|'s results: the thread's best
/// against its partner's, the better value winning, a tie the smaller
/// index where the first best wins (ogt, olt) and the larger where the last
/// does, so that every thread ends with the best of the warp and its index
/// as the sequential loop finds them; then that against the initial pair,
/// which only a strictly better (or, for oge / ole, as good) value
/// replaces. The loop starts from the predicate's identity instead.
void combineArgBestAmongWarp(OpBuilder &b, scf::ForOp loop,
                             const ArgBest &pair) {
  Location loc = loop.getLoc();
  Value initValue = loop.getInitArgs()[pair.value];
  Value initIndex = loop.getInitArgs()[pair.index];
  const bool max = pair.pred == arith::CmpFPredicate::OGT ||
                   pair.pred == arith::CmpFPredicate::OGE;
  const bool firstWins = pair.pred == arith::CmpFPredicate::OGT ||
                         pair.pred == arith::CmpFPredicate::OLT;
  auto type = cast<FloatType>(initValue.getType());
  {
    OpBuilder ib(loop);
    loop.getInitArgsMutable()[pair.value].assign(arith::ConstantFloatOp::create(
        ib, loc, type,
        APFloat::getInf(type.getFloatSemantics(), /*Negative=*/max)));
  }
  SmallVector<OpOperand *> valueUses(
      llvm::make_pointer_range(loop.getResult(pair.value).getUses()));
  SmallVector<OpOperand *> indexUses(
      llvm::make_pointer_range(loop.getResult(pair.index).getUses()));
  Value v = loop.getResult(pair.value), i = loop.getResult(pair.index);
  const auto strict = max ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT;
  const auto tie = firstWins ? arith::CmpIPredicate::slt : arith::CmpIPredicate::sgt;
  auto compareIndex = [&](Value x, Value y) -> Value {
    if (x.getType().isIndex()) {
      x = arith::IndexCastOp::create(b, loc, b.getI64Type(), x);
      y = arith::IndexCastOp::create(b, loc, b.getI64Type(), y);
    }
    return arith::CmpIOp::create(b, loc, tie, x, y);
  };
  for (int32_t offset = kWarpSize / 2; offset >= 1; offset /= 2) {
    Value ov = gpu::ShuffleOp::create(b, loc, v, offset, kWarpSize,
                                      gpu::ShuffleMode::XOR)
                   .getShuffleResult();
    Value oi = shuffleInteger(b, loc, i, offset);
    Value better = arith::CmpFOp::create(b, loc, strict, ov, v);
    Value same = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, ov, v);
    Value take = arith::OrIOp::create(
        b, loc, better,
        arith::AndIOp::create(b, loc, same, compareIndex(oi, i)));
    v = arith::SelectOp::create(b, loc, take, ov, v);
    i = arith::SelectOp::create(b, loc, take, oi, i);
  }
  Value replace = arith::CmpFOp::create(b, loc, pair.pred, v, initValue);
  Value value = arith::SelectOp::create(b, loc, replace, v, initValue);
  Value index = arith::SelectOp::create(b, loc, replace, i, initIndex);
  for (OpOperand *use : valueUses)
    use->set(value);
  for (OpOperand *use : indexUses)
    use->set(index);
}

/// The trips each thread of a warp makes through a loop of bounds |lb|,
/// |ub|, |step| when they are constants and the trip count a multiple of
/// the warp's.
std::optional<int64_t> staticWarpTrips(Value lb, Value ub, Value step) {
  std::optional<int64_t> l = foldedConstant(lb), u = foldedConstant(ub),
                         s = foldedConstant(step);
  if (!l || !u || !s || *s <= 0 || *u <= *l || (*u - *l) % *s ||
      ((*u - *l) / *s) % kWarpSize)
    return std::nullopt;
  return (*u - *l) / *s / kWarpSize;
}

/// Where a shared loop's induction variable went: the original index
/// (lb + (j * 32 + sub) * step) and the thread's trip j, when the loop was
/// given static bounds.
using TripOfIndex = DenseMap<Value, Value>;

/// Rewrites the shared loop around |body| of induction variable |iv| and
/// bounds |lb|, |step| to run j over [0, trips): the original index is
/// recomputed at the top of the body. Loops of static trips unroll and
/// their private arrays can be indexed by j (see compactPrivateArrays).
void useStaticTrips(Location loc, Block *body, Value iv, Value lb,
                    Value step, Value sub, TripOfIndex &trips) {
  OpBuilder ib = OpBuilder::atBlockBegin(body);
  auto first = arith::MulIOp::create(ib, loc, iv,
                                     indexConstant(ib, loc, kWarpSize));
  Value lane = arith::AddIOp::create(ib, loc, first, sub);
  Value index = arith::AddIOp::create(ib, loc, lb,
                                      arith::MulIOp::create(ib, loc, lane, step));
  iv.replaceAllUsesExcept(index, first.getOperation());
  trips[index] = iv;
}

/// Shares |loop| (a clone of a WarpLoop's op) among the threads of a warp,
/// |sub| being the thread's place in it.
void shareAmongWarp(scf::ForOp loop, Value sub, TripOfIndex &trips) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value step = loop.getStep();
  if (std::optional<int64_t> t = staticWarpTrips(
          loop.getLowerBound(), loop.getUpperBound(), step)) {
    Value lb = loop.getLowerBound();
    loop.getLowerBoundMutable().assign(indexConstant(b, loc, 0));
    loop.getUpperBoundMutable().assign(indexConstant(b, loc, *t));
    loop.getStepMutable().assign(indexConstant(b, loc, 1));
    useStaticTrips(loc, loop.getBody(), loop.getInductionVar(), lb, step,
                   sub, trips);
  } else {
    loop.getLowerBoundMutable().assign(arith::AddIOp::create(
        b, loc, loop.getLowerBound(), arith::MulIOp::create(b, loc, sub, step)));
    loop.getStepMutable().assign(arith::MulIOp::create(
        b, loc, step, indexConstant(b, loc, kWarpSize)));
  }
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  SmallVector<ArgBest> pairs = *argBestPairs(loop);
  SmallVector<bool> paired(loop.getNumResults(), false);
  for (const ArgBest &pair : pairs)
    paired[pair.value] = paired[pair.index] = true;
  b.setInsertionPointAfter(loop);
  for (const ArgBest &pair : pairs)
    combineArgBestAmongWarp(b, loop, pair);
  for (unsigned j = 0; j < loop.getNumResults(); ++j) {
    if (paired[j])
      continue;
    Operation *combiner = yield.getOperand(j).getDefiningOp();
    gpu::AllReduceOperation kind = *combinerKind(combiner);
    Value init = loop.getInitArgs()[j];
    OpBuilder ib(loop);
    loop.getInitArgsMutable()[j].assign(
        identityOf(ib, loc, kind, cast<FloatType>(init.getType())));
    SmallVector<OpOperand *> uses(llvm::make_pointer_range(
        loop.getResult(j).getUses()));
    Value v = loop.getResult(j);
    for (int32_t offset = kWarpSize / 2; offset >= 1; offset /= 2) {
      auto shuffle = gpu::ShuffleOp::create(b, loc, v, offset, kWarpSize,
                                            gpu::ShuffleMode::XOR);
      v = combineWith(b, loc, kind, v, shuffle.getShuffleResult());
    }
    Value total = combineWith(b, loc, kind, init, v);
    for (OpOperand *use : uses)
      use->set(total);
  }
}

void shareAmongWarp(scf::ParallelOp loop, Value sub, TripOfIndex &trips) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value step = loop.getStep()[0];
  if (std::optional<int64_t> t = staticWarpTrips(
          loop.getLowerBound()[0], loop.getUpperBound()[0], step)) {
    Value lb = loop.getLowerBound()[0];
    loop.getLowerBoundMutable().assign(ValueRange{indexConstant(b, loc, 0)});
    loop.getUpperBoundMutable().assign(ValueRange{indexConstant(b, loc, *t)});
    loop.getStepMutable().assign(ValueRange{indexConstant(b, loc, 1)});
    useStaticTrips(loc, loop.getBody(), loop.getInductionVars()[0], lb, step,
                   sub, trips);
    return;
  }
  loop.getLowerBoundMutable().assign(ValueRange{arith::AddIOp::create(
      b, loc, loop.getLowerBound()[0],
      arith::MulIOp::create(b, loc, sub, step))});
  loop.getStepMutable().assign(ValueRange{arith::MulIOp::create(
      b, loc, step, indexConstant(b, loc, kWarpSize))});
}

/// Trips of a loop up to which it is unrolled whole.
constexpr int64_t kMaxFullUnroll = 8;
/// The factor of the others that unrollForLatency unrolls.
constexpr uint64_t kLatencyUnroll = 4;
/// Trips a thread makes through a block reduction up to which its loop is
/// unrolled whole.
constexpr uint64_t kMaxWholeBlockUnroll = 16;

/// Unrolls the loops of a warp lane so that loads of several trips are in
/// flight together: a warp runs in order, and a loop that loads, then uses
/// what it loaded, waits a memory latency a trip (an argmax over a
/// vocabulary: a thousand trips of one load each; an attention lane: a K
/// and a V row a trip). Shared loops of a few static trips (a head
/// dimension over a warp) unroll whole, which leaves the loop around them
/// (over rows) innermost; every innermost loop that loads is then unrolled
/// by kLatencyUnroll, so that ptxas can issue the loads of four trips
/// before the first use.
void unrollForLatency(Block *lane, ArrayRef<Operation *> sharedClones) {
  for (Operation *op : sharedClones) {
    auto f = dyn_cast<scf::ForOp>(op);
    if (auto p = dyn_cast<scf::ParallelOp>(op)) {
      // A thread's trips of a shared parallel loop are its own to order:
      // as an scf.for they unroll like the others.
      std::optional<int64_t> ub = foldedConstant(p.getUpperBound()[0]);
      if (!ub || *ub > kMaxFullUnroll ||
          foldedConstant(p.getLowerBound()[0]) != 0 ||
          foldedConstant(p.getStep()[0]) != 1)
        continue;
      OpBuilder b(p);
      f = scf::ForOp::create(b, p.getLoc(), p.getLowerBound()[0],
                             p.getUpperBound()[0], p.getStep()[0]);
      Block *body = f.getBody();
      body->getOperations().splice(body->begin(),
                                   p.getBody()->getOperations(),
                                   p.getBody()->begin(),
                                   std::prev(p.getBody()->end()));
      p.getInductionVars()[0].replaceAllUsesWith(f.getInductionVar());
      p.erase();
    }
    if (!f)
      continue;
    std::optional<int64_t> lb = foldedConstant(f.getLowerBound()),
                           ub = foldedConstant(f.getUpperBound()),
                           st = foldedConstant(f.getStep());
    if (lb && ub && st && *st == 1 && *ub - *lb <= kMaxFullUnroll)
      (void)loopUnrollFull(f);
  }
  SmallVector<scf::ForOp> innermost;
  lane->walk([&](scf::ForOp f) {
    bool nested = false, loads = false;
    f.getBody()->walk([&](Operation *inner) {
      nested |= isa<LoopLikeOpInterface>(inner);
      loads |= isa<memref::LoadOp>(inner);
    });
    if (nested || !loads)
      return;
    std::optional<int64_t> lb = foldedConstant(f.getLowerBound()),
                           ub = foldedConstant(f.getUpperBound()),
                           st = foldedConstant(f.getStep());
    if (lb && ub && st && (*ub - *lb) / *st <= int64_t(kLatencyUnroll))
      return;
    innermost.push_back(f);
  });
  for (scf::ForOp f : innermost)
    (void)loopUnrollByFactor(f, kLatencyUnroll);
}

/// Gives each thread's copy of a lane's private array only its own
/// elements: an array of rank 1 that only shared loops of static trips
/// (lower bound 0, step 1, as many trips as elements) touch, always at
/// their index, holds at thread sub the elements j * 32 + sub; indexed by
/// j instead, it shrinks 32 times and, indices constant once the loops
/// unroll, lives in registers rather than in local memory (an attention
/// lane's accumulator row, a scan's state row).
void compactPrivateArrays(Block *lane, const TripOfIndex &trips) {
  SmallVector<memref::AllocOp> allocs;
  lane->walk([&](memref::AllocOp a) { allocs.push_back(a); });
  for (memref::AllocOp alloc : allocs) {
    MemRefType type = alloc.getType();
    if (type.getRank() != 1 || !type.hasStaticShape() ||
        !type.getLayout().isIdentity() || type.getDimSize(0) % kWarpSize)
      continue;
    int64_t size = type.getDimSize(0);
    bool compact = true;
    for (Operation *user : alloc->getUsers()) {
      Value index;
      if (auto load = dyn_cast<memref::LoadOp>(user))
        index = load.getIndices()[0];
      else if (auto store = dyn_cast<memref::StoreOp>(user);
               store && store.getMemRef() == alloc.getResult())
        index = store.getIndices()[0];
      else if (isa<memref::DeallocOp>(user))
        continue;
      auto it = index ? trips.find(throughIdentity(index)) : trips.end();
      if (it == trips.end()) {
        compact = false;
        break;
      }
      // The loop of the trip runs size / 32 times from index 0 in steps of
      // 1: its bounds were rewritten to [0, size / 32).
      Operation *owner = cast<BlockArgument>(it->second).getOwner()->getParentOp();
      Value ub = isa<scf::ForOp>(owner)
                     ? cast<scf::ForOp>(owner).getUpperBound()
                     : cast<scf::ParallelOp>(owner).getUpperBound()[0];
      Value index0 = throughIdentity(index).getDefiningOp()->getOperand(0);
      std::optional<int64_t> lb0 = foldedConstant(index0);
      auto mul = throughIdentity(index).getDefiningOp()->getOperand(1)
                     .getDefiningOp<arith::MulIOp>();
      if (foldedConstant(ub) != size / kWarpSize || !lb0 || *lb0 != 0 || !mul ||
          foldedConstant(mul.getRhs()) != 1) {
        compact = false;
        break;
      }
    }
    if (!compact)
      continue;
    OpBuilder b(alloc);
    auto small = memref::AllocOp::create(
        b, alloc.getLoc(),
        MemRefType::get({size / kWarpSize}, type.getElementType()),
        alloc.getAlignmentAttr());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers())) {
      if (auto load = dyn_cast<memref::LoadOp>(user))
        load.getIndicesMutable()[0].assign(
            trips.lookup(throughIdentity(load.getIndices()[0])));
      else if (auto store = dyn_cast<memref::StoreOp>(user))
        store.getIndicesMutable()[0].assign(
            trips.lookup(throughIdentity(store.getIndices()[0])));
    }
    alloc.replaceAllUsesWith(small.getResult());
    alloc.erase();
  }
}

/// The loops of |g| are its parallel dimensions, then at least one
/// reduction, and its outputs are indexed by the parallel ones alone.
bool isTrailingReduction(linalg::GenericOp g) {
  if (!g.hasPureBufferSemantics())
    return false;
  auto iters = g.getIteratorTypesArray();
  unsigned par = 0;
  while (par < iters.size() && iters[par] == utils::IteratorType::parallel)
    ++par;
  if (par == iters.size())
    return false;
  for (unsigned i = par; i < iters.size(); ++i)
    if (iters[i] != utils::IteratorType::reduction)
      return false;
  for (OpOperand &init : g.getDpsInitsMutable()) {
    AffineMap map = g.getMatchingIndexingMap(&init);
    if (!map.isProjectedPermutation())
      return false;
    for (AffineExpr e : map.getResults())
      if (cast<AffineDimExpr>(e).getPosition() >= par)
        return false;
  }
  return true;
}

unsigned numParallelLoops(linalg::GenericOp g) {
  return llvm::count(g.getIteratorTypesArray(), utils::IteratorType::parallel);
}

/// Sizes of |g|'s loops, as index values at |b|.
SmallVector<Value> loopSizes(OpBuilder &b, Location loc, linalg::GenericOp g) {
  SmallVector<Value> sizes;
  for (Range r : cast<linalg::LinalgOp>(g.getOperation()).createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  return sizes;
}

/// Indices |map| selects of the loop point |ivs|.
SmallVector<Value> applyMap(OpBuilder &b, Location loc, AffineMap map,
                            ValueRange ivs) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults())
    indices.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
  return indices;
}

/// Maps |g|'s input block arguments to their elements at |ivs| and its
/// linalg.index ops to |ivs|, cloning the body's ops but |skip| at |b|.
void cloneGenericBody(OpBuilder &b, Location loc, linalg::GenericOp g,
                      ValueRange ivs, IRMapping &map,
                      const llvm::SmallPtrSetImpl<Operation *> &skip) {
  for (OpOperand *in : g.getDpsInputOperands()) {
    BlockArgument arg = g.getMatchingBlockArgument(in);
    Value v = in->get();
    if (isa<MemRefType>(v.getType()))
      v = memref::LoadOp::create(
          b, loc, v, applyMap(b, loc, g.getMatchingIndexingMap(in), ivs));
    map.map(arg, v);
  }
  for (Operation &op : g.getBody()->without_terminator()) {
    if (skip.contains(&op))
      continue;
    if (auto index = dyn_cast<linalg::IndexOp>(op)) {
      map.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(op, map);
  }
}

/// A reduction as loops with the accumulators in registers: scf.parallel
/// over the parallel dimensions, each point one scf.for over the flattened
/// reduction with the outputs as iteration arguments, stored once.
/// (linalg's own lowering reads and writes the output every iteration.)
void lowerReductionWithAccumulators(RewriterBase &rewriter,
                                    linalg::GenericOp g) {
  Location loc = g.getLoc();
  OpBuilder &b = rewriter;
  b.setInsertionPoint(g);
  SmallVector<Value> sizes = loopSizes(b, loc, g);
  unsigned par = numParallelLoops(g);
  Value c0 = indexConstant(b, loc, 0), c1 = indexConstant(b, loc, 1);
  ArrayRef<Value> redCounts = ArrayRef<Value>(sizes).drop_front(par);
  Value total = product(b, loc, redCounts);
  SmallVector<Value> lbs(par, c0), steps(par, c1);
  // No parallel loop around a reduction to one value (scf.parallel needs a
  // dimension): the scf.for where the op was.
  SmallVector<Value> parIvs;
  if (par > 0) {
    auto loop = scf::ParallelOp::create(
        b, loc, lbs, ArrayRef<Value>(sizes).take_front(par), steps);
    b.setInsertionPointToStart(loop.getBody());
    llvm::append_range(parIvs, loop.getInductionVars());
  }
  SmallVector<Value> zeros(sizes.size() - par, c0);
  SmallVector<Value> outIvs(parIvs);
  outIvs.append(zeros);
  SmallVector<Value> inits;
  SmallVector<SmallVector<Value>> outIndices;
  for (OpOperand &init : g.getDpsInitsMutable()) {
    outIndices.push_back(
        applyMap(b, loc, g.getMatchingIndexingMap(&init), outIvs));
    inits.push_back(memref::LoadOp::create(b, loc, init.get(),
                                           outIndices.back()));
  }
  auto reduce = scf::ForOp::create(
      b, loc, c0, total, c1, inits,
      [&](OpBuilder &fb, Location fl, Value lin, ValueRange accs) {
        SmallVector<Value> ivs(parIvs);
        ivs.append(delinearize(fb, fl, lin, redCounts));
        IRMapping map;
        for (auto [j, acc] : llvm::enumerate(accs))
          map.map(g.getMatchingBlockArgument(g.getDpsInitOperand(j)), acc);
        cloneGenericBody(fb, fl, g, ivs, map,
                         llvm::SmallPtrSet<Operation *, 1>());
        auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
        SmallVector<Value> next;
        for (Value v : yield.getOperands())
          next.push_back(map.lookupOrDefault(v));
        scf::YieldOp::create(fb, fl, next);
      });
  b.setInsertionPointAfter(reduce);
  for (auto [j, init] : llvm::enumerate(g.getDpsInits()))
    memref::StoreOp::create(b, loc, reduce.getResult(j), init, outIndices[j]);
  rewriter.eraseOp(g);
}

/// A reduction each point of which a block of threads shares: every
/// output a float combined by an op gpu.all_reduce has, over enough
/// elements (at least 64, or a dynamic count) that one thread a point
/// would leave the GPU idle (a decode step's norms: one row of thousands).
bool isBlockReduction(linalg::GenericOp g) {
  if (!isTrailingReduction(g))
    return false;
  for (unsigned j = 0; j < g.getNumDpsInits(); ++j) {
    auto type = cast<MemRefType>(g.getDpsInits()[j].getType());
    if (!isa<FloatType>(type.getElementType()) || !combinerOf(g, j))
      return false;
  }
  SmallVector<int64_t> ranges = g.getStaticLoopRanges();
  int64_t reduced = 1;
  for (size_t i = numParallelLoops(g); i < ranges.size(); ++i) {
    if (ShapedType::isDynamic(ranges[i]))
      return true;
    reduced *= ranges[i];
  }
  return reduced >= 64;
}

/// The fills of |op|'s outputs that nothing but descriptor ops and one
/// another separate from |op| (output j's, or null), none of the outputs
/// being one of its inputs as well.
SmallVector<linalg::FillOp> fillsJustBefore(linalg::GenericOp op) {
  SmallVector<linalg::FillOp> fills(op.getNumDpsInits());
  for (Value init : op.getDpsInits())
    if (llvm::is_contained(op.getDpsInputs(), init))
      return fills;
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(prev);
        fill && fill.hasPureBufferSemantics()) {
      auto inits = op.getDpsInits();
      auto it = llvm::find(inits, fill.getOutputs()[0]);
      if (it == inits.end() || fills[it - inits.begin()])
        break;
      fills[it - inits.begin()] = fill;
      continue;
    }
    if (!computesDescriptorsOnly(prev))
      break;
  }
  return fills;
}

/// The next op after |op| that is not a descriptor op, or null.
Operation *nextDeviceOp(Operation *op) {
  for (Operation *next = op->getNextNode(); next; next = next->getNextNode())
    if (!computesDescriptorsOnly(next) || isa<func::ReturnOp>(next))
      return next;
  return nullptr;
}

/// The input of |add| other than |operand| if |add| is `out = x + y`
/// elementwise (every map the identity, all loops parallel) over buffers
/// of one type, writing in place over that other input.
Value inPlaceAddend(linalg::GenericOp add, Value operand) {
  if (!add.hasPureBufferSemantics() || add.getNumDpsInputs() != 2 ||
      add.getNumDpsInits() != 1 ||
      add.getNumParallelLoops() != add.getNumLoops() ||
      !llvm::all_of(add.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return Value();
  auto yield = cast<linalg::YieldOp>(add.getBody()->getTerminator());
  auto sum = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  Block *body = add.getBody();
  if (!sum || sum->getBlock() != body || body->getOperations().size() != 2 ||
      !llvm::is_contained(sum->getOperands(), Value(body->getArgument(0))) ||
      !llvm::is_contained(sum->getOperands(), Value(body->getArgument(1))) ||
      sum.getLhs() == sum.getRhs())
    return Value();
  Value x = add.getDpsInputs()[0], y = add.getDpsInputs()[1];
  Value other = x == operand ? y : y == operand ? x : Value();
  if (!other || add.getDpsInits()[0] != other ||
      other.getType() != operand.getType())
    return Value();
  return other;
}

/// A library GEMM into a zero-filled temporary whose only other use is a
/// residual add in place right after it (`x = x + gemm`) accumulates into
/// x instead (beta = 1): the add is not a kernel of its own and the
/// temporary is never written. The fill goes with it.
bool foldResidualAddIntoGemm(RewriterBase &rewriter, linalg::GenericOp gemm) {
  if (gemm.getNumDpsInits() != 1)
    return false;
  Value temp = gemm.getDpsInits()[0];
  if (!temp.getDefiningOp<memref::AllocOp>())
    return false;
  auto add = dyn_cast_or_null<linalg::GenericOp>(nextDeviceOp(gemm));
  if (!add)
    return false;
  Value x = inPlaceAddend(add, temp);
  if (!x)
    return false;
  // The GEMM must not read what it would now write.
  for (Value in : gemm.getDpsInputs())
    if (bufferRoot(in) == bufferRoot(x))
      return false;
  SmallVector<linalg::FillOp> fills = fillsJustBefore(gemm);
  if (!fills[0] || !matchPattern(fills[0].getInputs()[0], m_AnyZeroFloat()))
    return false;
  for (Operation *user : temp.getUsers())
    if (user != gemm && user != add && user != fills[0] &&
        !isa<memref::DeallocOp>(user))
      return false;
  rewriter.modifyOpInPlace(gemm,
                           [&] { gemm.getDpsInitsMutable()[0].set(x); });
  rewriter.eraseOp(add);
  rewriter.eraseOp(fills[0]);
  return true;
}

/// Whether |g|'s body is free of memory effects: loads inside a body read
/// buffers its indexing maps do not describe.
bool hasPureBody(linalg::GenericOp g) {
  return llvm::all_of(g.getBody()->getOperations(),
                      [](Operation &op) { return isMemoryEffectFree(&op); });
}

/// Whether |g|'s one output is |out|, written at every element (its map the
/// identity).
bool writesEveryElementOf(linalg::GenericOp g, Value out) {
  return g.getNumDpsInits() == 1 && g.getDpsInits()[0] == out &&
         g.getMatchingIndexingMap(&g.getDpsInitsMutable()[0]).isIdentity();
}

/// Whether loop |i| of |a| and loop |j| of |b| have one size: some operand
/// both index at the same position by those loops, or both static and equal.
bool sameLoopSize(linalg::GenericOp a, unsigned i, linalg::GenericOp b,
                  unsigned j) {
  SmallVector<int64_t> ra = a.getStaticLoopRanges(),
                       rb = b.getStaticLoopRanges();
  if (!ShapedType::isDynamic(ra[i]) && !ShapedType::isDynamic(rb[j]))
    return ra[i] == rb[j];
  auto indexedBy = [](linalg::GenericOp g, unsigned loop) {
    SmallVector<std::pair<Value, unsigned>> at;
    for (OpOperand &operand : g->getOpOperands()) {
      AffineMap map = g.getMatchingIndexingMap(&operand);
      for (auto [pos, e] : llvm::enumerate(map.getResults()))
        if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == loop)
          at.push_back({operand.get(), unsigned(pos)});
    }
    return at;
  };
  auto inB = indexedBy(b, j);
  for (auto pair : indexedBy(a, i))
    if (llvm::is_contained(inB, pair))
      return true;
  return false;
}

/// Whether |map|'s first |n| results are the loops 0..n-1, in order.
bool leadsWithLoops(AffineMap map, unsigned n) {
  if (map.getNumResults() < n)
    return false;
  for (unsigned i = 0; i < n; ++i) {
    auto d = dyn_cast<AffineDimExpr>(map.getResult(i));
    if (!d || d.getPosition() != i)
      return false;
  }
  return true;
}

/// Whether the elementwise |consumer| can run in |reduction|'s block
/// kernel, after the reduction, each block over the consumer's points of
/// its own reduction point: all loops parallel, the leading ones the
/// reduction's parallel loops; it reads the reduction's outputs at its
/// block's point only; and every buffer it writes, the reduction and the
/// consumer touch at the block's point only (leading indices the block's),
/// so that no block reads what another writes.
bool fusesAfterBlockReduction(linalg::GenericOp reduction,
                              linalg::GenericOp consumer) {
  unsigned par = numParallelLoops(reduction);
  if (!hasPureBody(reduction) || !hasPureBody(consumer) ||
      !consumer.hasPureBufferSemantics() ||
      consumer.getNumParallelLoops() != consumer.getNumLoops() ||
      consumer.getNumLoops() < par || isTrailingReduction(consumer))
    return false;
  for (unsigned i = 0; i < par; ++i)
    if (!sameLoopSize(reduction, i, consumer, i))
      return false;
  llvm::SmallPtrSet<Value, 4> reduced, written;
  for (Value init : reduction.getDpsInits())
    reduced.insert(bufferRoot(init));
  for (Value init : consumer.getDpsInits())
    written.insert(bufferRoot(init));
  for (OpOperand &operand : consumer->getOpOperands()) {
    Value root = bufferRoot(operand.get());
    AffineMap map = consumer.getMatchingIndexingMap(&operand);
    bool isInit = consumer.isDpsInit(&operand);
    if (isInit && reduced.contains(root))
      return false;
    if ((reduced.contains(root) || written.contains(root)) &&
        !leadsWithLoops(map, par))
      return false;
    // A buffer read and written: at the same element.
    if (!isInit && written.contains(root))
      for (OpOperand &init : consumer.getDpsInitsMutable())
        if (bufferRoot(init.get()) == root &&
            (init.get() != operand.get() ||
             consumer.getMatchingIndexingMap(&init) != map))
          return false;
  }
  for (OpOperand &operand : reduction->getOpOperands())
    if (written.contains(bufferRoot(operand.get())) &&
        !leadsWithLoops(reduction.getMatchingIndexingMap(&operand), par))
      return false;
  // Rows are a view's: a buffer the two share is seen through one view.
  DenseMap<Value, Value> viewOf;
  for (linalg::GenericOp g : {reduction, consumer})
    for (Value v : g->getOperands()) {
      Value root = bufferRoot(v);
      if (!reduced.contains(root) && !written.contains(root))
        continue;
      auto [it, inserted] = viewOf.try_emplace(root, v);
      if (!inserted && it->second != v)
        return false;
    }
  return true;
}

/// The elementwise op right after the block reduction |g| that can run in
/// its kernel (fusesAfterBlockReduction), the descriptor ops between them
/// moved before |g| (they compute no value g writes, and the launch must
/// see what the consumer uses); or null.
linalg::GenericOp takeFusableConsumer(
    linalg::GenericOp g, const std::function<bool(Operation *)> &onHost) {
  SmallVector<Operation *> between;
  Operation *next = g->getNextNode();
  for (; next && computesDescriptorsOnly(next) &&
         !isa<memref::DeallocOp, func::ReturnOp>(next);
       next = next->getNextNode())
    between.push_back(next);
  auto consumer = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!consumer || onHost(consumer) || isBlockReduction(consumer) ||
      !fusesAfterBlockReduction(g, consumer))
    return nullptr;
  for (Operation *op : between)
    op->moveBefore(g);
  return consumer;
}

/// Ops of a pointwise producer's body up to which recomputing it at each
/// load costs less than the kernel it saves.
constexpr int64_t kMaxRecomputedOps = 16;

/// Recomputes the pointwise |producer| where the parallel loop right after
/// it reads its output (a scan reading a per-head dt and decay), so that
/// it is no kernel of its own. Only where that is cheap and safe: the
/// output a fresh buffer written by the producer and read only by loads in
/// that loop, not inside a nested loop of it (each load recomputes it
/// once a lane); the producer's maps projections of its loops, its output
/// map the identity (a load's indices are the producer's loop point), its
/// body pure and short; and nothing in the loop writes what the producer
/// reads.
/// The output of |producer| if it is a pointwise op cheap to recompute
/// where its output is read: all loops parallel, a short pure body, inputs
/// read through projections of its loops, and its one output a fresh
/// buffer it writes whole without reading it; else null.
Value recomputableOutput(linalg::GenericOp producer) {
  if (!producer.hasPureBufferSemantics() || producer.getNumDpsInits() != 1 ||
      producer.getNumParallelLoops() != producer.getNumLoops() ||
      int64_t(producer.getBody()->getOperations().size()) > kMaxRecomputedOps)
    return Value();
  OpOperand &init = producer.getDpsInitsMutable()[0];
  Value out = init.get();
  if (!out.getDefiningOp<memref::AllocOp>() ||
      !writesEveryElementOf(producer, out) ||
      !producer.getMatchingBlockArgument(&init).use_empty() ||
      !hasPureBody(producer))
    return Value();
  for (OpOperand *in : producer.getDpsInputOperands())
    if (!producer.getMatchingIndexingMap(in).isProjectedPermutation())
      return Value();
  return out;
}

bool recomputeProducerInConsumer(
    RewriterBase &rewriter, linalg::GenericOp producer,
    const std::function<bool(Operation *)> &isLibraryCall,
    bool lowerGenericConsumer) {
  Value out = recomputableOutput(producer);
  if (!out)
    return false;
  Operation *next = nextDeviceOp(producer);
  // Whether the consumer writes its result over the whole output in place,
  // so that what reads the buffer after it reads the consumer's values.
  bool consumerOverwrites = false;
  // An elementwise consumer still a linalg op: its loops first (it becomes
  // them anyway), where its reads of the output are loads.
  if (auto generic = dyn_cast_or_null<linalg::GenericOp>(next);
      lowerGenericConsumer && generic && generic.hasPureBufferSemantics() &&
      !isLibraryCall(generic) &&
      generic.getNumParallelLoops() == generic.getNumLoops() &&
      llvm::is_contained(generic.getDpsInputs(), out)) {
    consumerOverwrites = writesEveryElementOf(generic, out);
    rewriter.setInsertionPoint(generic);
    FailureOr<linalg::LinalgLoops> loops =
        linalg::linalgOpToParallelLoops(rewriter, generic);
    if (failed(loops) || loops->size() != 1)
      return false;
    rewriter.eraseOp(generic);
    next = nextDeviceOp(producer);
  }
  auto consumer = dyn_cast_or_null<scf::ParallelOp>(next);
  if (!consumer || consumer.getNumResults() != 0)
    return false;
  // The buffer may be reused after the consumer (bufferization gives the
  // same temporary to every layer's producer): there its next use must
  // overwrite it whole, so that nothing after reads what the producer no
  // longer writes.
  Block *top = producer->getBlock();
  Operation *nextUse = nullptr;
  for (Operation *user : out.getUsers()) {
    Operation *at = top->findAncestorOpInBlock(*user);
    if (at && consumer->isBeforeInBlock(at) &&
        (!nextUse || at->isBeforeInBlock(nextUse)))
      nextUse = at;
  }
  if (nextUse && !consumerOverwrites && !isa<memref::DeallocOp>(nextUse)) {
    auto overwrite = dyn_cast<linalg::GenericOp>(nextUse);
    if (!overwrite || !writesEveryElementOf(overwrite, out) ||
        llvm::is_contained(overwrite.getDpsInputs(), out) ||
        overwrite.getNumParallelLoops() != overwrite.getNumLoops() ||
        !overwrite.getMatchingBlockArgument(&overwrite.getDpsInitsMutable()[0])
             .use_empty())
      return false;
  }
  SmallVector<memref::LoadOp> loads;
  for (Operation *user : out.getUsers()) {
    if (user == producer.getOperation() || isa<memref::DeallocOp>(user))
      continue;
    // Uses before the producer or after the consumer are another value's
    // (the buffer reused; the next use after overwrites it, checked above).
    Operation *at = top->findAncestorOpInBlock(*user);
    if (at && (at->isBeforeInBlock(producer) || consumer->isBeforeInBlock(at)))
      continue;
    // The consumer may write its result over the producer's (in place):
    // once its loads recompute the producer, those stores are its own.
    if (consumerOverwrites && isa<memref::StoreOp>(user) &&
        consumer->isProperAncestor(user))
      continue;
    auto load = dyn_cast<memref::LoadOp>(user);
    if (!load || !consumer->isProperAncestor(load))
      return false;
    for (Operation *p = load->getParentOp(); p != consumer.getOperation();
         p = p->getParentOp())
      if (isa<LoopLikeOpInterface>(p))
        return false;
    loads.push_back(load);
  }
  llvm::SmallPtrSet<Value, 4> read;
  for (Value in : producer.getDpsInputs())
    read.insert(bufferRoot(in));
  WalkResult writes = consumer.walk([&](Operation *op) {
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
                     isMemoryEffectFree(op)
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> list;
    effects.getEffects(list);
    for (auto &e : list)
      if (isa<MemoryEffects::Write>(e.getEffect()) &&
          (!e.getValue() || read.contains(bufferRoot(e.getValue()))))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (writes.wasInterrupted())
    return false;
  for (memref::LoadOp load : loads) {
    rewriter.setInsertionPoint(load);
    IRMapping map;
    cloneGenericBody(rewriter, load.getLoc(), producer, load.getIndices(), map,
                     llvm::SmallPtrSet<Operation *, 1>());
    auto yield = cast<linalg::YieldOp>(producer.getBody()->getTerminator());
    rewriter.replaceOp(load, map.lookupOrDefault(yield.getOperand(0)));
  }
  rewriter.eraseOp(producer);
  return true;
}

/// A view of |out| through which a consumer may read it in place of |out|:
/// |out| itself or a reshape of it.
bool isReshapeOf(Value v, Value out) {
  if (v == out)
    return true;
  if (auto expand = v.getDefiningOp<memref::ExpandShapeOp>())
    return expand.getSrc() == out;
  if (auto collapse = v.getDefiningOp<memref::CollapseShapeOp>())
    return collapse.getSrc() == out;
  return false;
}

/// |in| (of |out|'s shape) seen through the reshape that makes |view| of
/// |out|, built at |b|.
Value reshapeLike(OpBuilder &b, Value view, Value out, Value in) {
  if (view == out)
    return in;
  if (auto expand = view.getDefiningOp<memref::ExpandShapeOp>())
    return memref::ExpandShapeOp::create(
        b, expand.getLoc(), expand.getResultType().getShape(), in,
        expand.getReassociationIndices(), expand.getMixedOutputShape());
  auto collapse = view.getDefiningOp<memref::CollapseShapeOp>();
  return memref::CollapseShapeOp::create(b, collapse.getLoc(), in,
                                         collapse.getReassociationIndices());
}

/// |g| with every read of |out| or of a reshape of it (see isReshapeOf)
/// replaced by |producer|'s body at that element: the producer's inputs
/// join g's, through the producer's maps composed with g's map of |out|
/// (read through a reshape, the producer's maps are identities and its
/// inputs are reshaped alike).
linalg::GenericOp inlineProducerInto(RewriterBase &rewriter,
                                     linalg::GenericOp producer, Value out,
                                     linalg::GenericOp g) {
  rewriter.setInsertionPoint(g);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  // For each input of g: its new position, or for a read of |out| the
  // position of the producer's first input it became.
  SmallVector<std::pair<bool, unsigned>> slots;
  for (OpOperand *in : g.getDpsInputOperands()) {
    if (!isReshapeOf(in->get(), out)) {
      slots.push_back({false, unsigned(inputs.size())});
      inputs.push_back(in->get());
      maps.push_back(g.getMatchingIndexingMap(in));
      continue;
    }
    slots.push_back({true, unsigned(inputs.size())});
    AffineMap at = g.getMatchingIndexingMap(in);
    for (OpOperand *pin : producer.getDpsInputOperands()) {
      inputs.push_back(reshapeLike(rewriter, in->get(), out, pin->get()));
      maps.push_back(in->get() == out
                         ? producer.getMatchingIndexingMap(pin).compose(at)
                         : at);
    }
  }
  for (OpOperand &init : g.getDpsInitsMutable())
    maps.push_back(g.getMatchingIndexingMap(&init));
  auto fused = linalg::GenericOp::create(
      rewriter, g.getLoc(), TypeRange{}, inputs, g.getDpsInits(), maps,
      g.getIteratorTypesArray(),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        IRMapping map;
        for (auto [in, slot] : llvm::zip(g.getDpsInputOperands(), slots)) {
          BlockArgument arg = g.getMatchingBlockArgument(in);
          if (!slot.first) {
            map.map(arg, args[slot.second]);
            continue;
          }
          IRMapping pmap;
          for (auto [i, pin] : llvm::enumerate(producer.getDpsInputOperands()))
            pmap.map(producer.getMatchingBlockArgument(pin),
                     args[slot.second + i]);
          for (Operation &op : producer.getBody()->without_terminator())
            b.clone(op, pmap);
          auto yield = cast<linalg::YieldOp>(producer.getBody()->getTerminator());
          map.map(arg, pmap.lookupOrDefault(yield.getOperand(0)));
        }
        for (auto [j, init] : llvm::enumerate(g.getDpsInitsMutable()))
          map.map(g.getMatchingBlockArgument(&init),
                  args[inputs.size() + j]);
        for (Operation &op : g.getBody()->without_terminator())
          b.clone(op, map);
        auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
        linalg::YieldOp::create(
            b, loc,
            llvm::map_to_vector(yield.getOperands(), [&](Value v) {
              return map.lookupOrDefault(v);
            }));
      });
  fused->setDiscardableAttrs(g->getDiscardableAttrDictionary());
  rewriter.eraseOp(g);
  return fused;
}

/// Fuses the cheap pointwise |producer| into the linalg ops right after it
/// that read its output, each recomputing it at its own loop point: a
/// gated norm's gate `y * silu(z)`, read by the norm's sum of squares and
/// by its scaling (which recomputeProducerInConsumer cannot take: the
/// first is a block reduction, not a parallel loop). The producer is then
/// no kernel and its output no buffer traffic. Only where that is cheap
/// and safe: the conditions of recomputeProducerInConsumer on the producer
/// (and no linalg.index in its body); the consumers consecutive device ops
/// each reading the output (or a reshape of it, if the producer's maps are
/// identities) as an input, the last of them possibly writing its result
/// over the output whole; no other use of the output until a later op
/// overwrites it whole; and no consumer writing what the producer reads.
bool fuseProducerIntoGenerics(
    RewriterBase &rewriter, linalg::GenericOp producer,
    const std::function<bool(Operation *)> &isLibraryCall,
    const std::function<void(Operation *, Operation *)> &replaced) {
  // Its body is cloned at other loop points: no linalg.index in it.
  Value out = recomputableOutput(producer);
  if (!out || !producer.getBody()->getOps<linalg::IndexOp>().empty())
    return false;
  bool identities = llvm::all_of(
      producer.getDpsInputOperands(), [&](OpOperand *in) {
        return producer.getMatchingIndexingMap(in).isIdentity();
      });
  llvm::SmallPtrSet<Value, 4> read;
  for (Value in : producer.getDpsInputs())
    read.insert(bufferRoot(in));
  auto readsOut = [&](Value v) {
    return v == out || (identities && isReshapeOf(v, out));
  };
  SmallVector<linalg::GenericOp> consumers;
  bool overwritten = false;
  for (Operation *next = nextDeviceOp(producer); next && !overwritten;
       next = nextDeviceOp(next)) {
    auto g = dyn_cast<linalg::GenericOp>(next);
    if (!g || isLibraryCall(g) || !g.hasPureBufferSemantics() ||
        !hasPureBody(g) || !llvm::any_of(g.getDpsInputs(), readsOut))
      break;
    for (OpOperand &gInit : g.getDpsInitsMutable()) {
      Value v = gInit.get();
      if (read.contains(bufferRoot(v)))
        return false;
      if (bufferRoot(v) != bufferRoot(out))
        continue;
      // Written over in place: whole, and the last of the consumers.
      if (!readsOut(v) || g.getNumDpsInits() != 1 ||
          !g.getMatchingIndexingMap(&gInit).isIdentity() ||
          !g.getMatchingBlockArgument(&gInit).use_empty())
        return false;
      overwritten = true;
    }
    // Every operand that views the output is a read the producer replaces
    // or the overwrite just checked.
    for (OpOperand *in : g.getDpsInputOperands())
      if (bufferRoot(in->get()) == bufferRoot(out) && !readsOut(in->get()))
        return false;
    consumers.push_back(g);
  }
  if (consumers.empty())
    return false;
  Block *top = producer->getBlock();
  Operation *last = consumers.back();
  // Past the consumers the buffer is another value's (bufferization reuses
  // temporaries): its next use must overwrite it whole. The reshapes that
  // view it are followed to their users.
  Operation *nextUse = nullptr;
  SmallVector<Value> views = {out};
  for (size_t i = 0; i < views.size(); ++i)
    for (Operation *user : views[i].getUsers()) {
      Operation *at = top->findAncestorOpInBlock(*user);
      if (!at)
        return false;
      if (isa<memref::DimOp>(user))
        continue;
      if (isa<ViewLikeOpInterface>(user)) {
        views.push_back(user->getResult(0));
        continue;
      }
      if (at == producer.getOperation() || isa<memref::DeallocOp>(at) ||
          llvm::is_contained(consumers, at) || at->isBeforeInBlock(producer))
        continue;
      if (at->isBeforeInBlock(last))
        return false;
      if (!nextUse || at->isBeforeInBlock(nextUse))
        nextUse = at;
    }
  if (nextUse && !overwritten) {
    auto overwrite = dyn_cast<linalg::GenericOp>(nextUse);
    if (!overwrite || !writesEveryElementOf(overwrite, out) ||
        llvm::is_contained(overwrite.getDpsInputs(), out) ||
        !overwrite.getMatchingBlockArgument(&overwrite.getDpsInitsMutable()[0])
             .use_empty())
      return false;
  }
  // The producer's inputs are now read by the consumers: a deallocation
  // of one between the two moves after the last.
  SmallVector<Operation *> deallocs;
  for (Operation *op = producer->getNextNode(); op != last;
       op = op->getNextNode())
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op);
        dealloc && read.contains(bufferRoot(dealloc.getMemref())))
      deallocs.push_back(op);
  for (Operation *op : llvm::reverse(deallocs))
    rewriter.moveOpAfter(op, last);
  for (linalg::GenericOp g : consumers)
    replaced(g, inlineProducerInto(rewriter, producer, out, g));
  rewriter.eraseOp(producer);
  return true;
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
    for (Operation *next = &body.front(), *at; next;) {
      at = next;
      next = at->getNextNode();
      Operation &op = *at;
      if (auto loop = dyn_cast<scf::ParallelOp>(op);
          loop && loop.getNumResults() == 0) {
        if (failed(flush(pending, &op)) || failed(formGridKernel(loop)))
          return failure();
        continue;
      }
      if (auto g = dyn_cast<linalg::GenericOp>(op);
          g && !isHostLibraryCall(&op) && isBlockReduction(g)) {
        if (failed(flush(pending, &op)))
          return failure();
        linalg::GenericOp consumer = fusedConsumers.lookup(g);
        if (consumer)
          next = consumer->getNextNode();
        formBlockReductionKernel(g, consumer);
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
  /// A block reduction's outputs' values where the fill that set them was
  /// folded into the kernel (null: read from the output).
  DenseMap<Operation *, SmallVector<Value>> foldedInits;
  /// The elementwise op each block reduction's kernel runs after it.
  DenseMap<Operation *, linalg::GenericOp> fusedConsumers;

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

  /// One block a point of |g|'s parallel dimensions: each thread folds a
  /// strided share of the reduction into registers, gpu.all_reduce
  /// combines the block's, and thread 0 combines that with the output.
  /// An elementwise |consumer| then runs in the same block over its points
  /// of the block's reduction point (a norm's scaling after its sum of
  /// squares), after a barrier that makes thread 0's stores visible.
  void formBlockReductionKernel(linalg::GenericOp g,
                                linalg::GenericOp consumer = nullptr) {
    OpBuilder b(g);
    Location loc = g.getLoc();
    MLIRContext *ctx = b.getContext();
    SmallVector<Value> sizes = loopSizes(b, loc, g);
    unsigned par = numParallelLoops(g);
    ArrayRef<Value> parCounts = ArrayRef<Value>(sizes).take_front(par);
    ArrayRef<Value> redCounts = ArrayRef<Value>(sizes).drop_front(par);
    Value points = product(b, loc, parCounts);
    Value reduced = product(b, loc, redCounts);
    Value block = indexConstant(b, loc, blockSize);
    Value blocks =
        arith::MaxUIOp::create(b, loc, points, indexConstant(b, loc, 1));
    gpu::LaunchOp launch = createLaunch(b, loc, blocks, block);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value tid = launch.getThreadIds().x;
    SmallVector<Value> parIvs =
        delinearize(b, loc, launch.getBlockIds().x, parCounts);
    SmallVector<Combiner> combiners;
    SmallVector<Value> identities;
    llvm::SmallPtrSet<Operation *, 4> skip;
    for (unsigned j = 0; j < g.getNumDpsInits(); ++j) {
      combiners.push_back(*combinerOf(g, j));
      skip.insert(combiners.back().op);
      auto type = cast<MemRefType>(g.getDpsInits()[j].getType());
      identities.push_back(identityOf(b, loc, combiners.back().kind,
                                      cast<FloatType>(type.getElementType())));
    }
    auto combine = [&](OpBuilder &cb, unsigned j, Value acc, Value v) {
      IRMapping m;
      m.map(g.getMatchingBlockArgument(g.getDpsInitOperand(j)), acc);
      m.map(combiners[j].value, v);
      return cb.clone(*combiners[j].op, m)->getResult(0);
    };
    auto loop = scf::ForOp::create(
        b, loc, tid, reduced, block, identities,
        [&](OpBuilder &fb, Location fl, Value lin, ValueRange accs) {
          SmallVector<Value> ivs(parIvs);
          ivs.append(delinearize(fb, fl, lin, redCounts));
          IRMapping map;
          cloneGenericBody(fb, fl, g, ivs, map, skip);
          SmallVector<Value> next;
          for (auto [j, acc] : llvm::enumerate(accs))
            next.push_back(
                combine(fb, j, acc, map.lookupOrDefault(combiners[j].value)));
          scf::YieldOp::create(fb, fl, next);
        });
    b.setInsertionPointAfter(loop);
    SmallVector<Value> totals;
    for (auto [j, c] : llvm::enumerate(combiners))
      totals.push_back(gpu::AllReduceOp::create(
          b, loc, loop.getResult(j),
          gpu::AllReduceOperationAttr::get(ctx, c.kind), b.getUnitAttr()));
    auto only = scf::IfOp::create(b, loc, isFirstThread(b, loc, tid),
                                  /*withElse=*/false);
    b.setInsertionPointToStart(only.thenBlock());
    SmallVector<Value> outIvs(parIvs);
    outIvs.append(sizes.size() - par, indexConstant(b, loc, 0));
    SmallVector<Value> folded = foldedInits.lookup(g);
    for (auto [j, init] : llvm::enumerate(g.getDpsInitsMutable())) {
      SmallVector<Value> at =
          applyMap(b, loc, g.getMatchingIndexingMap(&init), outIvs);
      Value old = j < folded.size() && folded[j]
                      ? folded[j]
                      : memref::LoadOp::create(b, loc, init.get(), at);
      memref::StoreOp::create(b, loc, combine(b, j, old, totals[j]),
                              init.get(), at);
    }
    scf::ForOp consumerLoop;
    Value consumerCount;
    if (consumer) {
      b.setInsertionPointAfter(only);
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> consumerSizes = loopSizes(b, loc, consumer);
      ArrayRef<Value> inner = ArrayRef<Value>(consumerSizes).drop_front(par);
      consumerCount = product(b, loc, inner);
      consumerLoop = scf::ForOp::create(
          b, loc, tid, consumerCount, block, ValueRange{},
          [&](OpBuilder &fb, Location fl, Value lin, ValueRange) {
            SmallVector<Value> ivs(parIvs);
            ivs.append(delinearize(fb, fl, lin, inner));
            IRMapping map;
            for (OpOperand &init : consumer.getDpsInitsMutable()) {
              BlockArgument arg = consumer.getMatchingBlockArgument(&init);
              if (!arg.use_empty())
                map.map(arg, memref::LoadOp::create(
                                 fb, fl, init.get(),
                                 applyMap(fb, fl,
                                          consumer.getMatchingIndexingMap(&init),
                                          ivs)));
            }
            cloneGenericBody(fb, fl, consumer, ivs, map,
                             llvm::SmallPtrSet<Operation *, 1>());
            auto yield =
                cast<linalg::YieldOp>(consumer.getBody()->getTerminator());
            for (auto [v, init] :
                 llvm::zip(yield.getOperands(), consumer.getDpsInitsMutable()))
              memref::StoreOp::create(
                  fb, fl, map.lookupOrDefault(v), init.get(),
                  applyMap(fb, fl, consumer.getMatchingIndexingMap(&init), ivs));
            scf::YieldOp::create(fb, fl);
          });
      consumer.erase();
    }
    g.erase();
    // A row of thousands over 256 threads is a few trips each (a decode
    // step's norm is one block): unrolled, so that a thread's loads of
    // several trips are in flight together rather than a latency a trip;
    // whole where the trips are static and few (a row of 2048 or 4096:
    // every load of the thread in flight at once, one latency a phase).
    auto unroll = [&](scf::ForOp f, Value count) {
      uint64_t factor = kLatencyUnroll;
      if (std::optional<int64_t> n = foldedConstant(count)) {
        int64_t trips = (*n + blockSize - 1) / blockSize;
        if (trips > 1 && trips <= int64_t(kMaxWholeBlockUnroll))
          factor = uint64_t(trips);
      }
      (void)loopUnrollByFactor(f, factor);
    };
    unroll(loop, reduced);
    if (consumerLoop)
      unroll(consumerLoop, consumerCount);
  }

  /// One thread a point of |loop|'s iteration space, or one warp a point
  /// where the point's innermost loops can be shared (see "Warp lanes").
  LogicalResult formGridKernel(scf::ParallelOp loop) {
    SmallVector<WarpLoop> shared = findWarpLoops(loop.getBody());
    const int64_t perLane = shared.empty() ? 1 : kWarpSize;
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    SmallVector<Value> counts = tripCounts(b, loc, loop);
    Value total = product(b, loc, counts);
    Value threads = perLane == 1 ? total
                                 : arith::MulIOp::create(
                                       b, loc, total,
                                       indexConstant(b, loc, perLane));
    Value block = indexConstant(b, loc, blockSize);
    // A grid of at least one block: an empty loop launches a block that
    // does nothing rather than an invalid grid.
    Value blocks = arith::MaxUIOp::create(
        b, loc, arith::CeilDivUIOp::create(b, loc, threads, block),
        indexConstant(b, loc, 1));
    gpu::LaunchOp launch = createLaunch(b, loc, blocks, block);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value linear = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, launch.getBlockIds().x, block),
        launch.getThreadIds().x);
    Value lane = linear, sub;
    if (perLane != 1) {
      Value width = indexConstant(b, loc, perLane);
      lane = arith::DivUIOp::create(b, loc, linear, width);
      sub = arith::RemUIOp::create(b, loc, linear, width);
    }
    // The block size is a multiple of the warp's, so a warp's threads are
    // all inside or all outside.
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         lane, total);
    auto guard = scf::IfOp::create(b, loc, inside, /*withElse=*/false);
    b.setInsertionPointToStart(guard.thenBlock());
    IRMapping map;
    cloneBodyAt(b, loop, inductionVariablesAt(b, loc, loop, counts, lane),
                map);
    TripOfIndex trips;
    SmallVector<Operation *> clones;
    for (const WarpLoop &w : shared) {
      Operation *clone = map.lookup(w.op);
      clones.push_back(clone);
      if (auto f = dyn_cast<scf::ForOp>(clone))
        shareAmongWarp(f, sub, trips);
      else
        shareAmongWarp(cast<scf::ParallelOp>(clone), sub, trips);
    }
    if (!shared.empty()) {
      compactPrivateArrays(guard.thenBlock(), trips);
      unrollForLatency(guard.thenBlock(), clones);
    }
    loop.erase();
    return privatizeAllocations(launch);
  }

  /// The buffers a lane allocates (a tensor carried through its loops: an
  /// attention row's accumulator) become the thread's own, allocated once at
  /// the kernel's start: device-side malloc draws on a heap of a few MB and
  /// fails under the tens of thousands of lanes of a prefill.
  LogicalResult privatizeAllocations(gpu::LaunchOp launch) {
    SmallVector<memref::AllocOp> allocs;
    launch.getBody().walk([&](memref::AllocOp a) { allocs.push_back(a); });
    OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() ||
          type.getNumElements() * type.getElementTypeBitWidth() / 8 >
              kMaxPrivateBytes) {
        return alloc.emitOpError("allocates ")
               << type << " in a kernel: only static buffers of at most "
               << kMaxPrivateBytes << " bytes can live in a thread";
      }
      auto private_ = memref::AllocaOp::create(b, alloc.getLoc(), type,
                                               alloc.getAlignmentAttr());
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      alloc.replaceAllUsesWith(private_.getResult());
      alloc.erase();
    }
    return success();
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
      auto only = scf::IfOp::create(sb, sl, isFirstThread(sb, sl, tid),
                                    /*withElse=*/false);
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
      IRMapping map;
      cloneBodyAt(inner, loop,
                  inductionVariablesAt(inner, ll, loop, counts,
                                       shared.getInductionVar()),
                  map);
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
    // A residual add right after a library GEMM: the GEMM accumulates.
    SmallVector<linalg::GenericOp> gemms;
    for (Operation &op : func.getBody().front())
      if (auto generic = dyn_cast<linalg::GenericOp>(&op);
          generic && onHost(generic))
        gemms.push_back(generic);
    for (linalg::GenericOp gemm : gemms)
      foldResidualAddIntoGemm(rewriter, gemm);
    // A fill right before a library GEMM or a block reduction is folded
    // into it: the GEMM overwrites its output (beta = 0), the reduction
    // starts from the fill's value; neither is a kernel of its own.
    DenseMap<Operation *, SmallVector<Value>> foldedInits;
    for (Operation &op : llvm::make_early_inc_range(func.getBody().front())) {
      auto generic = dyn_cast<linalg::GenericOp>(&op);
      if (!generic)
        continue;
      bool gemm = onHost(generic);
      if (!gemm && !isBlockReduction(generic))
        continue;
      SmallVector<linalg::FillOp> fills = fillsJustBefore(generic);
      if (gemm) {
        auto gemmHelper = getHybridDialect(ctx)->getGemmAttrHelper();
        GemmAttr attr = gemmHelper.isAttrPresent(generic)
                            ? gemmHelper.getAttr(generic)
                            : GemmAttr();
        if (!attr || !llvm::all_of(fills, [](linalg::FillOp fill) {
              return fill && matchPattern(fill.getInputs()[0],
                                          m_AnyZeroFloat());
            }))
          continue;
        gemmHelper.setAttr(generic,
                           GemmAttr::get(ctx, attr.getOutputScale(),
                                         attr.getSectionSizes(),
                                         attr.getSectionScales(),
                                         /*overwrite=*/true));
      } else {
        SmallVector<Value> values;
        for (linalg::FillOp fill : fills)
          values.push_back(fill ? fill.getInputs()[0] : Value());
        if (llvm::none_of(values, [](Value v) { return bool(v); }))
          continue;
        foldedInits[generic] = values;
      }
      for (linalg::FillOp fill : fills)
        if (fill)
          rewriter.eraseOp(fill);
    }
    // A cheap pointwise producer of a parallel loop: recomputed in it.
    // Last producer first, so that a chain (dt, then its decay) goes whole
    // into the loop; then into elementwise ops still linalg (their loops
    // formed first), once no loop can take them.
    // Applies |fuse| to the device generics of the body, last first, until
    // none changes.
    auto untilFixpoint = [&](auto fuse) {
      for (bool changed = true; changed;) {
        changed = false;
        SmallVector<linalg::GenericOp> producers;
        for (Operation &op : func.getBody().front())
          if (auto generic = dyn_cast<linalg::GenericOp>(&op);
              generic && !onHost(generic))
            producers.push_back(generic);
        for (linalg::GenericOp producer : llvm::reverse(producers))
          changed |= fuse(producer);
      }
    };
    for (bool intoLinalg : {false, true})
      untilFixpoint([&](linalg::GenericOp producer) {
        return recomputeProducerInConsumer(rewriter, producer, onHost,
                                           intoLinalg);
      });
    // A cheap pointwise producer that the linalg ops after it read (a
    // gated norm's gate): recomputed in each of them.
    untilFixpoint([&](linalg::GenericOp producer) {
      return fuseProducerIntoGenerics(
          rewriter, producer, onHost, [&](Operation *old, Operation *now) {
            // A reduction's folded fill goes with it.
            if (auto it = foldedInits.find(old); it != foldedInits.end()) {
              SmallVector<Value> values = std::move(it->second);
              foldedInits.erase(it);
              foldedInits[now] = std::move(values);
            }
          });
    });
    // An elementwise op right after a block reduction runs in its kernel.
    DenseMap<Operation *, linalg::GenericOp> fusedConsumers;
    llvm::SmallPtrSet<Operation *, 16> consumers;
    for (Operation &op : func.getBody().front())
      if (auto generic = dyn_cast<linalg::GenericOp>(&op);
          generic && !onHost(generic) && isBlockReduction(generic))
        if (linalg::GenericOp consumer =
                takeFusableConsumer(generic, onHost)) {
          fusedConsumers[generic] = consumer;
          consumers.insert(consumer);
        }
    // Every linalg op that no library call takes becomes loops: scf.parallel
    // over its parallel dimensions, scf.for over its reductions.
    SmallVector<linalg::LinalgOp> linalgOps;
    func.walk([&](linalg::LinalgOp op) {
      if (onHost(op) || consumers.contains(op))
        return;
      // Top-level reductions over many elements become block reductions
      // when the kernels are formed.
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (generic && op->getParentOp() == func.getOperation() &&
          isBlockReduction(generic))
        return;
      linalgOps.push_back(op);
    });
    for (linalg::LinalgOp op : linalgOps) {
      if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
          generic && isTrailingReduction(generic)) {
        lowerReductionWithAccumulators(rewriter, generic);
        continue;
      }
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
    former.foldedInits = std::move(foldedInits);
    former.fusedConsumers = std::move(fusedConsumers);
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
