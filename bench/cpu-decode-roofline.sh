#!/usr/bin/env bash
# CPU prefill/decode speed of the ~105M-parameter benchmark hybrid
# (examples/hybrid-100m.json) as a ratio of this machine's memory-bandwidth
# roofline, measured in the same run by hybrid-run --bench. Prints a markdown
# table row per thread count; docs/performance.md keeps the results.
#
#   bench/cpu-decode-roofline.sh [MODEL.json] [PROMPT_TOKENS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
model="${1:-$root/examples/hybrid-100m.json}"
prompt_len="${2:-64}"
"$root/scripts/build.sh" hybridc hybrid-run >/dev/null
artifact="$build/artifacts/$(basename "${model%.json}").so"
mkdir -p "$(dirname "$artifact")"
"$build/bin/hybridc" "$model" -o "$artifact" --max-seq=1024 --quiet ${HYBRIDC_FLAGS:-}
prompt=$(seq -s, 1 "$prompt_len")
echo "| model | threads | prefill tok/s (T=$prompt_len) | decode tok/s | bandwidth GB/s | bytes/token | roofline tok/s | decode / roofline |"
echo "|---|---|---|---|---|---|---|---|"
for threads in 1 $(nproc); do
  out=$("$build/bin/hybrid-run" "$artifact" --generated-weights 1 --tokens "$prompt" \
        --bench --threads "$threads")
  prefill=$(sed -n 's/^bench: prefill: \([0-9.]*\).*/\1/p' <<<"$out")
  decode=$(sed -n 's/^bench: decode: \([0-9.]*\).*/\1/p' <<<"$out")
  bw=$(sed -n 's/^bench: memory read bandwidth: \([0-9.]*\).*/\1/p' <<<"$out" | sort -g | tail -1)
  bytes=$(sed -n 's/.*) \/ 1 = \([0-9.e+]*\) bytes.*/\1/p' <<<"$out")
  roof=$(sed -n 's/^bench: roofline decode: \([0-9.]*\).*/\1/p' <<<"$out")
  ratio=$(sed -n 's/^bench: roofline ratio: \([0-9.]*\).*/\1/p' <<<"$out")
  echo "| $(basename "${model%.json}") | $threads | $prefill | $decode | $bw | $bytes | $roof | $ratio |"
done
