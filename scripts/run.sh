#!/usr/bin/env bash
# The README's run command: installs what is missing, builds hybridc, compiles
# the bundled default model (examples/tiny-hybrid.json) to a CPU artifact and
# generates tokens from it with deterministic generated weights, printing the
# tokens and tokens/s. MODEL=path/to/config.json WEIGHTS=dir override both.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
model="${MODEL:-$root/examples/tiny-hybrid.json}"
"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh" hybridc hybrid-run

artifact="$build/artifacts/$(basename "${model%.json}").so"
mkdir -p "$(dirname "$artifact")"
echo "== hybridc $model -> $artifact"
"$build/bin/hybridc" "$model" -o "$artifact" --max-seq=512
"$build/bin/hybridc" "$model" --report --seq-len=512 | tail -1

prompt="1,17,42,7,99,3,256,11"
echo "== hybrid-run: prompt $prompt, 32 greedy tokens"
if [ -n "${WEIGHTS:-}" ]; then
  "$build/bin/hybrid-run" "$artifact" --weights "$WEIGHTS" --tokens "$prompt" --generate 32
else
  "$build/bin/hybrid-run" "$artifact" --generated-weights 0 --tokens "$prompt" --generate 32
fi
