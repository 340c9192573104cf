#!/usr/bin/env bash
# Per-pass effect of the fusion passes on the ~105M benchmark hybrid: the
# model compiled with every fusion, with each one turned off, and with none;
# the variants are benchmarked in turn, ROUNDS times, in one run, and each is
# reported as the median of its rounds and as a ratio to "none" (fusion
# off): prefill directly, decode (logits) and greedy decode (token only)
# through decode / memory roofline measured right after each sample, which
# normalizes the host's bandwidth swings between samples.
#
#   bench/cpu-fusion-ablation.sh [MODEL.json] [THREADS] [ROUNDS]
#   (VARIANTS="none all no-rope" to run a subset)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
model="${1:-$root/examples/hybrid-100m.json}"
threads="${2:-$(nproc)}"
rounds="${3:-3}"
"$root/scripts/build.sh" hybridc hybrid-run >/dev/null
dir="$build/artifacts/fusion"
mkdir -p "$dir"
variants=(${VARIANTS:-none all no-norms no-activations no-gated-mlp no-projections no-rope no-conv-activation no-add-rms-norm no-scales no-linear-argmax})
# none: every fusion off; all: the default; no-NAME: --disable-fusion=NAME.
flags() {
  case "$1" in
    none) echo "--disable-fusion=all" ;;
    all) echo "" ;;
    no-*) echo "--disable-fusion=${1#no-}" ;;
  esac
}
for v in "${variants[@]}"; do
  "$build/bin/hybridc" "$model" -o "$dir/$v.so" --max-seq=1024 --quiet $(flags "$v")
done
prompt=$(seq -s, 1 64)
declare -A pre dec gre roof groof
for r in $(seq "$rounds"); do
  for v in "${variants[@]}"; do
    out=$("$build/bin/hybrid-run" "$dir/$v.so" --generated-weights 1 --tokens "$prompt" \
          --bench --threads "$threads")
    pre[$v]+="$(sed -n 's/^bench: prefill: \([0-9.]*\).*/\1/p' <<<"$out") "
    dec[$v]+="$(sed -n 's/^bench: decode: \([0-9.]*\).*/\1/p' <<<"$out") "
    gre[$v]+="$(sed -n 's/^bench: greedy decode: \([0-9.]*\).*/\1/p' <<<"$out") "
    roof[$v]+="$(sed -n 's/^bench: roofline ratio: \([0-9.]*\).*/\1/p' <<<"$out") "
    groof[$v]+="$(sed -n 's/^bench: greedy roofline ratio: \([0-9.]*\).*/\1/p' <<<"$out") "
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk "BEGIN{printf \"%.3f\", $1/$2}"; }
# Decode is memory-bound and the host's bandwidth swings between samples, so
# decode is compared through decode / roofline (the roofline measured right
# after each sample); prefill is compute-bound and compared directly.
p0=$(median "${pre[none]}"); q0=$(median "${roof[none]}"); g0=$(median "${groof[none]}")
# A variant whose artifact is byte-identical to "all" (the pass does not fire
# on this model, or lowers to the same code on this target) measures the
# noise of the run, not the pass.
same() {
  if [ "$1" != all ] && [ -f "$dir/all.so" ] && cmp -s "$dir/$1.so" "$dir/all.so"; then
    echo "yes"
  else
    echo ""
  fi
}
echo "| variant | prefill tok/s (T=64) | prefill vs none | decode tok/s | decode / roofline | vs none | greedy decode / roofline | vs none | same artifact as all |"
echo "|---|---|---|---|---|---|---|---|---|"
for v in "${variants[@]}"; do
  p=$(median "${pre[$v]}"); d=$(median "${dec[$v]}"); q=$(median "${roof[$v]}"); g=$(median "${groof[$v]}")
  echo "| $v | $p | $(ratio "$p" "$p0") | $d | $q | $(ratio "$q" "$q0") | $g | $(ratio "$g" "$g0") | $(same "$v") |"
done
echo "($threads threads, median of $rounds rounds, $(basename "$model"))"
