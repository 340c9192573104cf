//===- VectorizeLinear.cpp - GEMM/GEMV micro-kernel for the CPU -----------===//
//
// out[..., n] += Σ_k x[..., k] · w[n, k] with w row-major [N, K]: both
// operands are contiguous along k, so the kernel keeps `rows` vector
// accumulators (one per output feature of the block) and streams each weight
// row exactly once per token block. Threads split N: every thread reads a
// disjoint slice of the weights, which is what a bandwidth-bound decode step
// wants.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/HybridToLinalg/LoweringUtils.h"
#include "dialect/IR/HybridDialect.h"
#include "passes/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "hybrid-cpu-vectorize-linear"

namespace mlir {
namespace hybrid {
#define GEN_PASS_DEF_HYBRIDCPUVECTORIZELINEARPASS
#include "passes/Target/CPU/Passes.h.inc"
} // namespace hybrid
} // namespace mlir

using namespace mlir;
using namespace mlir::hybrid;

namespace {


Value widen(OpBuilder &b, Location loc, Value v, Type elt) {
  Type from = getElementTypeOrSelf(v.getType());
  if (from == elt)
    return v;
  Type to = elt;
  if (auto vt = dyn_cast<VectorType>(v.getType()))
    to = VectorType::get(vt.getShape(), elt);
  return arith::ExtFOp::create(b, loc, to, v);
}

struct VectorizeLinear : OpRewritePattern<linalg::GenericOp> {
  VectorizeLinear(MLIRContext *ctx, int64_t lanes, int64_t rows,
                  int64_t registers)
      : OpRewritePattern(ctx), lanes(lanes), rows(rows), registers(registers) {}

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    int64_t count = op.getNumDpsInits();
    if (!getHybridDialect(op->getContext())->getGemmAttrHelper().isAttrPresent(
            op) ||
        !op.hasPureBufferSemantics() ||
        count < 1 || op.getNumDpsInputs() != 1 + count)
      return failure();
    Location loc = op.getLoc();
    Value x = op.getDpsInputs()[0];
    SmallVector<Value> ws = llvm::to_vector(ArrayRef<Value>(op.getDpsInputs()).drop_front());
    SmallVector<Value> outs(op.getDpsInits());
    auto xType = cast<MemRefType>(x.getType());
    auto wType = cast<MemRefType>(ws[0].getType());
    auto outType = cast<MemRefType>(outs[0].getType());
    if (!lowering::hasUnitInnerStride(xType))
      return rewriter.notifyMatchFailure(op, "x rows are not contiguous");
    for (Value w : ws) {
      auto t = cast<MemRefType>(w.getType());
      if (t.getRank() != 2 || !t.hasStaticShape() || t.getShape() != wType.getShape() ||
          !lowering::hasUnitInnerStride(t))
        return rewriter.notifyMatchFailure(op, "needs static contiguous rows");
    }
    int64_t n = wType.getDimSize(0), k = wType.getDimSize(1);
    // Accumulators kept in registers: `rows` per weight (8 of the 32 AVX-512
    // registers for a gate/up pair), fewer where that would leave room for
    // only one token per block (a gate/up pair with AVX2's 16 registers):
    // two tokens per weight load is what makes prefill faster than decode.
    int64_t budget = registers / 2;
    int64_t block = rows;
    while (block > 1 &&
           (n % block != 0 || 2 * count * block > budget))
      block /= 2;
    int64_t kMain = k - k % lanes;
    Type f = outType.getElementType();
    auto vecF = VectorType::get({lanes}, f);
    auto vecX = VectorType::get({lanes}, xType.getElementType());
    int64_t lead = xType.getRank() - 1;
    auto fast = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;

    OpBuilder &b = rewriter;
    auto idx = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    // hybrid.linear's output_scale and section scales, applied once per dot
    // product.
    hybrid::lowering::FeatureScales scales = hybrid::lowering::FeatureScales::fromGemmAttr(
            getHybridDialect(op->getContext())->getGemmAttrHelper().getAttr(op));
    Value c0 = idx(0), c1 = idx(1);
    SmallVector<Value> leadUbs;
    for (int64_t d = 0; d < lead; ++d)
      leadUbs.push_back(memref::DimOp::create(b, loc, x, d));
    int64_t accs = count * block; // accumulator a = j * block + r

    // Tokens per register block: `rows` x `count` x `tokens` accumulators
    // in at most half of the vector registers (16 with AVX-512, 8 with AVX2),
    // so that x chunks of several tokens reuse each weight load (prefill)
    // without spilling, while a decode step (one token) keeps its plain form.
    int64_t tokens = std::max<int64_t>(1, (registers / 2) / accs);

    // Threads split the rows, unless the GEMM already runs inside a parallel
    // loop (a block of the greedy head): nesting would fork a thread team
    // per block for no extra parallelism.
    bool nested = op->getParentOfType<scf::ForallOp>() ||
                  op->getParentOfType<scf::ParallelOp>();
    auto forEachBlock =
        [&](function_ref<void(OpBuilder &, Location, ValueRange)> body) {
          if (nested)
            scf::ForOp::create(b, loc, c0, idx(n / block), c1, ValueRange{},
                               [&](OpBuilder &fb, Location fl, Value iv,
                                   ValueRange) {
                                 body(fb, fl, iv);
                                 scf::YieldOp::create(fb, fl);
                               });
          else
            scf::ParallelOp::create(b, loc, ValueRange{c0},
                                    ValueRange{idx(n / block)}, ValueRange{c1},
                                    body);
        };
    forEachBlock(
        [&](OpBuilder &pb, Location pl, ValueRange blockIv) {
          Value n0 = arith::MulIOp::create(
              pb, pl, blockIv[0], arith::ConstantIndexOp::create(pb, pl, block));
          SmallVector<Value> rowsIdx;
          for (int64_t r = 0; r < block; ++r)
            rowsIdx.push_back(arith::AddIOp::create(
                pb, pl, n0, arith::ConstantIndexOp::create(pb, pl, r)));

          // out[lead, t0 + i, rows] += Σ_k x[lead, t0 + i, k] w[rows, k] for
          // i < tb: tb x accs vector accumulators over k, then the scalar
          // tail, the output scale and the stores. Each accumulator sums the
          // same chunks in the same order whatever tb is, so results do not
          // depend on how tokens are blocked (prefill == decode, bit for bit).
          auto emitTokens = [&](OpBuilder &lb, Location ll, ValueRange outer,
                                Value t0, int64_t tb) {
            auto xIndex = [&](OpBuilder &ib, Location il, int64_t i, Value kv) {
              SmallVector<Value> xi(outer);
              if (t0)
                xi.push_back(i == 0 ? t0
                                    : arith::AddIOp::create(
                                          ib, il, t0,
                                          arith::ConstantIndexOp::create(ib, il, i)));
              xi.push_back(kv);
              return xi;
            };
            Value zero = arith::ConstantOp::create(
                lb, ll, vecF,
                DenseElementsAttr::get(vecF, lb.getFloatAttr(f, 0.0)));
            int64_t total = tb * accs; // accumulator (i, j, r)
            auto slot = [&](int64_t i, int64_t j, int64_t r) {
              return (i * count + j) * block + r;
            };
            SmallVector<Value> init(total, zero);
            auto kLoop = scf::ForOp::create(
                lb, ll, c0, arith::ConstantIndexOp::create(lb, ll, kMain),
                arith::ConstantIndexOp::create(lb, ll, lanes), init,
                [&](OpBuilder &kb, Location kl, Value kv, ValueRange acc) {
                  SmallVector<Value> xv;
                  for (int64_t i = 0; i < tb; ++i)
                    xv.push_back(widen(kb, kl,
                                       vector::LoadOp::create(
                                           kb, kl, vecX, x, xIndex(kb, kl, i, kv)),
                                       f));
                  SmallVector<Value> next(total);
                  for (int64_t j = 0; j < count; ++j) {
                    auto vecW = VectorType::get(
                        {lanes},
                        cast<MemRefType>(ws[j].getType()).getElementType());
                    for (int64_t r = 0; r < block; ++r) {
                      Value wv = widen(kb, kl,
                                       vector::LoadOp::create(
                                           kb, kl, vecW, ws[j],
                                           ValueRange{rowsIdx[r], kv}),
                                       f);
                      for (int64_t i = 0; i < tb; ++i)
                        next[slot(i, j, r)] = vector::FMAOp::create(
                            kb, kl, vecF, xv[i], wv, acc[slot(i, j, r)]);
                    }
                  }
                  scf::YieldOp::create(kb, kl, next);
                });
            SmallVector<Value> sums;
            for (int64_t a = 0; a < total; ++a)
              sums.push_back(vector::ReductionOp::create(
                  lb, ll, vector::CombiningKind::ADD, kLoop.getResult(a), fast));
            if (kMain < k) {
              auto tail = scf::ForOp::create(
                  lb, ll, arith::ConstantIndexOp::create(lb, ll, kMain),
                  arith::ConstantIndexOp::create(lb, ll, k), c1, sums,
                  [&](OpBuilder &tb2, Location tl, Value kv, ValueRange sv) {
                    SmallVector<Value> next(total);
                    for (int64_t i = 0; i < tb; ++i) {
                      Value xs = widen(tb2, tl,
                                       memref::LoadOp::create(
                                           tb2, tl, x, xIndex(tb2, tl, i, kv)),
                                       f);
                      for (int64_t j = 0; j < count; ++j)
                        for (int64_t r = 0; r < block; ++r) {
                          Value wsv = widen(
                              tb2, tl,
                              memref::LoadOp::create(
                                  tb2, tl, ws[j], ValueRange{rowsIdx[r], kv}),
                              f);
                          next[slot(i, j, r)] = arith::AddFOp::create(
                              tb2, tl, sv[slot(i, j, r)],
                              arith::MulFOp::create(tb2, tl, xs, wsv));
                        }
                    }
                    scf::YieldOp::create(tb2, tl, next);
                  });
              sums = llvm::to_vector_of<Value>(tail.getResults());
            }
            if (!scales.isIdentity())
              for (int64_t r = 0; r < block; ++r) {
                Value rowScale =
                    hybrid::lowering::featureScale(lb, ll, f, rowsIdx[r], scales);
                for (int64_t i = 0; i < tb; ++i)
                  for (int64_t j = 0; j < count; ++j)
                    sums[slot(i, j, r)] = arith::MulFOp::create(
                        lb, ll, sums[slot(i, j, r)], rowScale);
              }
            for (int64_t i = 0; i < tb; ++i)
              for (int64_t j = 0; j < count; ++j)
                for (int64_t r = 0; r < block; ++r) {
                  SmallVector<Value> oIdx = xIndex(lb, ll, i, rowsIdx[r]);
                  Value old = memref::LoadOp::create(lb, ll, outs[j], oIdx);
                  memref::StoreOp::create(
                      lb, ll,
                      arith::AddFOp::create(lb, ll, old, sums[slot(i, j, r)]),
                      outs[j], oIdx);
                }
          };

          if (lead == 0) {
            emitTokens(pb, pl, ValueRange{}, Value(), 1);
            return;
          }
          // Outer lead dims one at a time; the innermost (tokens) in blocks
          // of `tokens`, then one by one.
          scf::buildLoopNest(
              pb, pl, SmallVector<Value>(lead - 1, c0),
              ArrayRef<Value>(leadUbs).drop_back(),
              SmallVector<Value>(lead - 1, c1),
              [&](OpBuilder &ob, Location ol, ValueRange outer) {
                Value m = leadUbs.back();
                Value tbv = arith::ConstantIndexOp::create(ob, ol, tokens);
                Value mainEnd = arith::SubIOp::create(
                    ob, ol, m, arith::RemUIOp::create(ob, ol, m, tbv));
                if (tokens > 1)
                  scf::ForOp::create(
                      ob, ol, c0, mainEnd, tbv, ValueRange{},
                      [&](OpBuilder &tb3, Location tl, Value t0, ValueRange) {
                        emitTokens(tb3, tl, outer, t0, tokens);
                        scf::YieldOp::create(tb3, tl);
                      });
                scf::ForOp::create(
                    ob, ol, tokens > 1 ? mainEnd : c0, m, c1, ValueRange{},
                    [&](OpBuilder &tb3, Location tl, Value t0, ValueRange) {
                      emitTokens(tb3, tl, outer, t0, 1);
                      scf::YieldOp::create(tb3, tl);
                    });
              });
        });
    rewriter.eraseOp(op);
    return success();
  }

  int64_t lanes, rows, registers;
};

struct HybridCPUVectorizeLinearPass
    : mlir::hybrid::impl::HybridCPUVectorizeLinearPassBase<
          HybridCPUVectorizeLinearPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<VectorizeLinear>(&getContext(), lanes, rows, registers);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
