#!/usr/bin/env bash
# GPU prefill and batch-1 decode speed of the 1.3B-parameter random-weight
# configs in bench/configs (llama, mamba2, bamba with 4 of 24 layers
# attention, falcon_h1), --target=cuda --dtype=bf16, with decode as a
# fraction of the HBM roofline: streamed weight bytes per token times tok/s
# over the device's copy bandwidth, measured by hybrid-run --bench in the
# same process. Prints a markdown table; docs/performance.md keeps it.
#
#   bench/gpu-decode-roofline.sh prepare DIR   compile the four (no GPU)
#   bench/gpu-decode-roofline.sh run DIR       time them (GPU)
#
#   PROMPT_TOKENS (default 2048), BENCH_RUNS (default 5), BENCH_TIMEOUT
#   (seconds a model, default 240), ARCH (default sm_90a)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
models="llama mamba2 bamba falcon_h1"
prompt_len="${PROMPT_TOKENS:-2048}"

case "${1:-}" in
  prepare)
    dir="${2:?prepare DIR}"
    "$root/scripts/build.sh" hybridc hybrid-run >/dev/null || exit 1
    mkdir -p "$dir"
    cp "$build/bin/hybrid-run" "$dir/"
    for m in $models; do
      "$build/bin/hybridc" "$root/bench/configs/$m-1.3b" --target=cuda \
        --gpu-arch="${ARCH:-sm_90a}" --dtype=bf16 --max-seq=4096 --quiet \
        -o "$dir/$m-1.3b.so" || exit 1
    done ;;
  run)
    dir="${2:?run DIR}"
    prompt=$(seq -s, 1 "$prompt_len")
    echo "| model | params | prefill tok/s (T=$prompt_len) | decode tok/s (B=1) | copy bandwidth GB/s | decode / roofline |"
    echo "|---|---|---|---|---|---|"
    for m in $models; do
      out=$(timeout "${BENCH_TIMEOUT:-240}" "$dir/hybrid-run" "$dir/$m-1.3b.so" --generated-weights 1 \
            --tokens "$prompt" --bench --bench-runs "${BENCH_RUNS:-5}" 2>&1)
      echo "$out" | sed "s/^/    $m: /" >&2
      pre=$(sed -n 's/^bench: prefill: \([0-9.]*\).*/\1/p' <<<"$out")
      dec=$(sed -n 's/^bench: decode: \([0-9.]*\).*/\1/p' <<<"$out")
      bw=$(sed -n 's/^bench: .*bandwidth: \([0-9.]*\).*/\1/p' <<<"$out" | sort -g | tail -1)
      rat=$(sed -n 's/^bench: roofline ratio: \([0-9.]*\).*/\1/p' <<<"$out")
      echo "| $m | 1.3B | $pre | $dec | $bw | $rat |"
    done ;;
  *) echo "usage: $0 prepare DIR | run DIR" >&2; exit 2 ;;
esac
