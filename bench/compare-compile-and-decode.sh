#!/usr/bin/env bash
# Compile time of hybrid-100m and its prefill/decode speed, with two builds of
# hybridc + hybrid-run alternated run by run (the host drifts), each build
# running the artifacts it compiled (they may differ in ABI version).
#
#   bench/compare-compile-and-decode.sh OLD_BIN_DIR NEW_BIN_DIR [RUNS]
set -uo pipefail
old_bin="${1:?usage: compare-compile-and-decode.sh OLD_BIN NEW_BIN [RUNS]}"
new_bin="${2:?usage}"
runs="${3:-3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
m="$root/examples/hybrid-100m.json"
out="$(mktemp -d)"
for r in $(seq "$runs"); do
  for v in old new; do
    bin=$old_bin; [ $v = new ] && bin=$new_bin
    /usr/bin/time -f "compile $v run$r wall %e s user %U s" $bin/hybridc $m -o $out/$v.so --max-seq=1024 --quiet
  done
done
for r in $(seq "$runs"); do
  for v in old new; do
    bin=$old_bin; [ $v = new ] && bin=$new_bin
    $bin/hybrid-run $out/$v.so --generated-weights 1 --tokens $(seq -s, 1 64) --bench --threads 2 2>&1 | grep -E 'bench: (prefill|decode|roofline ratio)' | sed "s/^/$v run$r: /"
  done
done
