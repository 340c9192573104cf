#!/usr/bin/env bash
# The README's run command: installs what is missing, builds hybridc, and runs
# the main job on the bundled example.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh" hybrid-opt hybridc-doc
example="$root/examples/tiny-hybrid-block.mlir"
echo "== hybrid-opt: verify, decompose fused ops, canonicalize: $example"
"$build/bin/hybrid-opt" "$example" --hybrid-decompose-fused-ops --canonicalize \
  --mlir-pass-statistics
echo "== op reference: $build/docs/Dialects/Hybrid/HybridDialect.md"
