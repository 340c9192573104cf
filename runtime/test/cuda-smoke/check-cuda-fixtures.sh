#!/bin/bash
# check-cuda-fixtures.sh BIN_DIR [ARTIFACT_DIR]: the CUDA runtime on a GPU,
# for scripts/gpu-check.sh. Runs hybrid-cuda-smoke on the mock CUDA artifact,
# then fixture-check --device cuda on every HF fixture's --target=cuda
# artifact (NAME.so in ARTIFACT_DIR, else compiled here with BIN_DIR/hybridc),
# once with CUDA graphs and once with HYBRID_CUDA_GRAPHS=0. BIN_DIR holds
# hybrid-cuda-smoke and fixture-check (and hybridc), its ../lib the mock
# artifact. Exits non-zero if any check failed.
set -u
bin=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../../.." && pwd)
fixtures="$root/test/fixtures/hf"
artifacts=${2:-$(mktemp -d)}
status=0

echo "== hybrid-cuda-smoke"
"$bin/hybrid-cuda-smoke" "$bin/../lib/hybrid_mock_cuda_artifact.so" || status=1

for dir in "$fixtures"/*/; do
  name=$(basename "$dir")
  artifact="$artifacts/$name.so"
  if [ ! -f "$artifact" ]; then
    "$bin/hybridc" "$dir" -o "$artifact" --max-seq=64 --quiet --target=cuda ||
      { echo "FAIL: hybridc --target=cuda $name"; status=1; continue; }
  fi
  for graphs in 1 0; do
    echo "== fixture-check $name (cuda, HYBRID_CUDA_GRAPHS=$graphs)"
    HYBRID_CUDA_GRAPHS=$graphs timeout -s KILL 120 \
      "$bin/fixture-check" "$artifact" "$dir" --device cuda || status=1
  done
done
exit $status
