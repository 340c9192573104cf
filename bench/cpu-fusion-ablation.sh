#!/usr/bin/env bash
# Per-pass effect of the fusion passes on a ~100M benchmark model: the
# model compiled with every fusion (all), with each one turned off (no-X),
# and with none; the variants are benchmarked in turn, ROUNDS times, in one
# run, and each is reported as the median of its rounds. The effect of pass
# X is all / no-X (> 1: the pass helps), of the whole set all / none:
# prefill directly, decode (logits) and greedy decode (token only) through
# decode / memory roofline measured right after each sample, which
# normalizes the host's bandwidth swings between samples. A variant whose
# artifact is byte-identical to "all" (the pass does not fire on this
# model) is not run: its effect is exactly 1.
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
variants=(${VARIANTS:-none all no-activations no-norms no-gated-mlp no-projections no-rope no-conv-activation no-scan-dt no-add-rms-norm no-add-layer-norm no-scales no-linear-argmax})
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
same() { [ "$1" != all ] && cmp -s "$dir/$1.so" "$dir/all.so"; }
run=()
for v in "${variants[@]}"; do same "$v" || run+=("$v"); done
prompt=$(seq -s, 1 64)
declare -A pre dec gre roof groof
for r in $(seq "$rounds"); do
  for v in "${run[@]}"; do
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
range() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}'; }
ratio() { awk "BEGIN{printf \"%.3f\", $1/$2}"; }
# Decode is memory-bound and the host's bandwidth swings between samples, so
# decode is compared through decode / roofline (the roofline measured right
# after each sample); prefill is compute-bound and compared directly.
pa=$(median "${pre[all]}"); qa=$(median "${roof[all]}"); ga=$(median "${groof[all]}")
echo "| variant | prefill tok/s (T=64) | prefill: all / this | decode tok/s | decode / roofline (range) | decode: all / this | greedy decode / roofline | greedy: all / this |"
echo "|---|---|---|---|---|---|---|---|"
for v in "${variants[@]}"; do
  if same "$v"; then
    echo "| $v | = all | 1 | = all | = all | 1 | = all | 1 |"
    continue
  fi
  p=$(median "${pre[$v]}"); d=$(median "${dec[$v]}"); q=$(median "${roof[$v]}"); g=$(median "${groof[$v]}")
  echo "| $v | $p | $(ratio "$pa" "$p") | $d | $q ($(range "${roof[$v]}")) | $(ratio "$qa" "$q") | $g | $(ratio "$ga" "$g") |"
done
echo "($threads threads, median of $rounds rounds, $(basename "$model"); '= all': the same artifact as all, not run)"
