#!/usr/bin/env bash
# Per-pass effect of the fusion passes on a ~100M benchmark model: the
# model compiled with every fusion (all), with each one turned off (no-X),
# and with none. Each variant is timed against "all" in one process,
# interleaved (prefills back to back, decode steps alternating one by one),
# ROUNDS pairs after a warm-up pair; the effect of pass X is the median of
# all / no-X over the pairs (> 1: the pass makes it faster) with its
# sign-test 95% confidence interval, of the whole set all / none: prefill
# (T=64), decode (logits) and greedy decode (token only, 32 steps each). A
# variant whose artifact is byte-identical to "all" (the pass does not fire
# on this model) is not run: its effect is exactly 1. Last, "all" alone
# with the decode roofline.
#
#   bench/cpu-fusion-ablation.sh [MODEL.json] [THREADS] [ROUNDS]
#   (VARIANTS="none all no-rope" to run a subset)
#
# STAGE=compile only compiles the variants, STAGE=run only times those
# already in the artifact folder (ARTIFACTS=DIR, with HYBRID_RUN=PATH: to
# time on another machine, which needs neither LLVM nor MLIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
model="${1:-$root/examples/hybrid-100m.json}"
threads="${2:-$(nproc)}"
rounds="${3:-5}"
stage="${STAGE:-all}"
dir="${ARTIFACTS:-$build/artifacts/fusion/$(basename "$model" .json)}"
run="${HYBRID_RUN:-$build/bin/hybrid-run}"
[ "$stage" = run ] || "$root/scripts/build.sh" hybridc hybrid-run >/dev/null
mkdir -p "$dir"
variants=(${VARIANTS:-control none all no-activations no-norms no-gated-mlp no-projections no-rope no-conv-activation no-scan-dt no-add-rms-norm no-add-layer-norm no-scales no-linear-argmax})
# none: every fusion off; all: the default; no-NAME: --disable-fusion=NAME;
# control: a byte copy of all, timed like the others (an A/A run: how far
# the method strays from 1 when nothing differs).
flags() {
  case "$1" in
    none) echo "--disable-fusion=all" ;;
    all) echo "" ;;
    no-*) echo "--disable-fusion=${1#no-}" ;;
  esac
}
# REUSE=1 keeps artifacts already there (a rerun of the same sources).
[ "$stage" = run ] || for v in all "${variants[@]}"; do
  [ "$v" = all ] && [ -f "$dir/all.so" ] && [ "${done_all:-}" = 1 ] && continue
  [ "$v" = all ] && done_all=1
  [ "$v" = control ] && continue # copied from all.so below
  [ "${REUSE:-0}" = 1 ] && [ -f "$dir/$v.so" ] && continue
  "$build/bin/hybridc" "$model" -o "$dir/$v.so" --max-seq=1024 --quiet $(flags "$v")
done
[ "$stage" = run ] || cp "$dir/all.so" "$dir/control.so"
[ "$stage" = compile ] && exit 0
same() { [ "$1" != all ] && [ "$1" != control ] && cmp -s "$dir/$1.so" "$dir/all.so"; }
prompt=$(seq -s, 1 64)
# Each variant is timed against "all" in one process, interleaved step by
# step (hybrid-run --bench-against), so both see the same state of this shared
# host; the ratio all / variant is the effect of the pass the variant turns
# off (> 1: the pass makes it faster).
out() { "$run" "$dir/all.so" --generated-weights 1 --tokens "$prompt" \
          --threads "$threads" --bench --bench-runs "$rounds" "$@"; }
field() { sed -n "s/^bench-against: $1: \([0-9.]*\).*CI \([0-9.-]*\),.*/\1 (\2)/p"; }
echo "| variant | prefill: all / this (95% CI) | decode: all / this (95% CI) | greedy decode: all / this (95% CI) |"
echo "|---|---|---|---|"
for v in "${variants[@]}"; do
  [ "$v" = all ] && continue
  if same "$v"; then
    echo "| $v | 1 (same artifact) | 1 (same artifact) | 1 (same artifact) |"
    continue
  fi
  o=$(out --bench-against "$dir/$v.so")
  echo "| $v | $(field prefill <<<"$o") | $(field decode <<<"$o") | $(field 'greedy decode' <<<"$o") |"
done
echo "($threads threads, $(basename "$model"), median of $rounds interleaved pairs with its sign-test 95% confidence interval; 'same artifact': the pass does not change this model's code)"
echo
# The whole set against the memory-bandwidth roofline, measured in the same
# process right after the decode.
o=$(out)
grep -E '^bench: (prefill|decode|greedy decode|roofline ratio|greedy roofline ratio|memory read bandwidth):' <<<"$o" | sed 's/^/    /'
