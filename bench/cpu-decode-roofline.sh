#!/usr/bin/env bash
# CPU prefill/decode speed of the ~105M-parameter benchmark hybrid
# (examples/hybrid-100m.json) as a ratio of this machine's memory-bandwidth
# roofline, measured in the same run by hybrid-run --bench. The host's memory
# bandwidth swings between runs (40-80 GB/s seen), so each thread count is
# measured REPEATS times and the medians are reported, with the range of the
# ratio. Prints a markdown table row per thread count; docs/performance.md
# keeps the results.
#
#   [REPEATS=3] [HYBRIDC_FLAGS=--dtype=bf16] bench/cpu-decode-roofline.sh [MODEL.json] [PROMPT_TOKENS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
model="${1:-$root/examples/hybrid-100m.json}"
prompt_len="${2:-64}"
repeats="${REPEATS:-3}"
"$root/scripts/build.sh" hybridc hybrid-run >/dev/null
artifact="$build/artifacts/$(basename "${model%.json}")${HYBRIDC_FLAGS:+-$(tr -dc 'a-z0-9' <<<"$HYBRIDC_FLAGS")}.so"
mkdir -p "$(dirname "$artifact")"
"$build/bin/hybridc" "$model" -o "$artifact" --max-seq=1024 --quiet ${HYBRIDC_FLAGS:-}
prompt=$(seq -s, 1 "$prompt_len")
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}'; }
echo "| model | threads | prefill tok/s (T=$prompt_len) | decode tok/s | bandwidth GB/s | decode / roofline (median) | range over $repeats runs |"
echo "|---|---|---|---|---|---|---|"
for threads in 1 $(nproc); do
  pre="" dec="" bws="" rat=""
  for r in $(seq "$repeats"); do
    out=$("$build/bin/hybrid-run" "$artifact" --generated-weights 1 --tokens "$prompt" \
          --bench --threads "$threads")
    pre+="$(sed -n 's/^bench: prefill: \([0-9.]*\).*/\1/p' <<<"$out") "
    dec+="$(sed -n 's/^bench: decode: \([0-9.]*\).*/\1/p' <<<"$out") "
    bws+="$(sed -n 's/^bench: memory read bandwidth: \([0-9.]*\).*/\1/p' <<<"$out" | sort -g | tail -1) "
    rat+="$(sed -n 's/^bench: roofline ratio: \([0-9.]*\).*/\1/p' <<<"$out") "
  done
  echo "| $(basename "${model%.json}") | $threads | $(median "$pre") | $(median "$dec") | $(median "$bws") | $(median "$rat") | $(range "$rat") |"
done
