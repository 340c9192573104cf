#!/usr/bin/env bash
# The GPU's end-to-end checks: every HF fixture through --target=cuda on a
# machine with an NVIDIA GPU, in f32 (rel err <= 1e-4 and the reference's
# greedy tokens, split prefill, fork, reset, save/load, batch 3: all of
# fixture-check, with CUDA graphs and without) and bf16 (the same checks,
# rel err <= 2e-2), plus the runtime's CUDA smoke test. Ends with one line: "gpu-check: N passed, N failed".
#
#   scripts/gpu-check.sh prepare DIR   builds the runtime tools and compiles
#                                      every fixture for CUDA into DIR (needs
#                                      the compiler; no GPU)
#   scripts/gpu-check.sh run DIR       runs everything DIR holds (needs a GPU
#                                      and its driver; no compiler)
#   scripts/gpu-check.sh               both, on a machine that has both
#
# The two halves exist because the GPU machine may have no LLVM/MLIR: build
# here, carry DIR (tens of MB) and the repository's test/fixtures there.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
arch="${HYBRIDC_GPU_ARCH:-sm_90a}"

prepare() {
  local dir="$1"
  "$root/scripts/build.sh" hybridc hybrid-run fixture-check hybrid-cuda-smoke \
    || return 1
  mkdir -p "$dir/bin" "$dir/f32" "$dir/bf16"
  cp "$build/bin/hybrid-run" "$build/bin/fixture-check" \
     "$build/bin/hybrid-cuda-smoke" "$dir/bin/"
  cp "$build/lib/hybrid_mock_cuda_artifact.so" "$dir/bin/"
  for fixture in "$root"/test/fixtures/hf/*/; do
    local name
    name="$(basename "$fixture")"
    "$build/bin/hybridc" "$fixture" --target=cuda --gpu-arch="$arch" \
      --max-seq=64 --quiet -o "$dir/f32/$name.so" || return 1
    "$build/bin/hybridc" "$fixture" --target=cuda --gpu-arch="$arch" \
      --max-seq=64 --dtype=bf16 --quiet -o "$dir/bf16/$name.so" || return 1
    echo "gpu-check: compiled $name (f32, bf16)"
  done
}

run() {
  local dir="$1" passed=0 failed=0
  note() { if [ "$1" = 0 ]; then passed=$((passed + 1)); echo "PASS $2"; else failed=$((failed + 1)); echo "FAIL $2"; fi; }
  if ! nvidia-smi -L >/dev/null 2>&1 && [ ! -e /dev/nvidia0 ]; then
    echo "gpu-check: no NVIDIA GPU here: nothing run"
    echo "gpu-check: 0 passed, 0 failed"
    return 0
  fi
  local smoke
  smoke="$("$dir/bin/hybrid-cuda-smoke" "$dir/bin/hybrid_mock_cuda_artifact.so" 2>&1)"
  echo "$smoke" | sed 's/^/  smoke: /'
  echo "$smoke" | grep -q " 0 failed" ; note $? "runtime smoke test"
  for artifact in "$dir"/f32/*.so; do
    local name out
    name="$(basename "$artifact" .so)"
    out="$("$dir/bin/fixture-check" "$artifact" "$root/test/fixtures/hf/$name" --device cuda 2>&1)"
    echo "$out" | sed "s/^/  $name f32: /"
    echo "$out" | grep -q "fixture-check: [0-9]* passed, 0 failed"; note $? "$name f32"
    out="$(HYBRID_CUDA_GRAPHS=0 "$dir/bin/fixture-check" "$artifact" "$root/test/fixtures/hf/$name" --device cuda 2>&1)"
    echo "$out" | grep -q "fixture-check: [0-9]* passed, 0 failed"; note $? "$name f32 without CUDA graphs"
    # bf16 against the float64 model with the weights bf16 holds, where the
    # fixture has it (scripts/make_bf16_references.py): the compiler's
    # arithmetic, not the rounding of the weights.
    local reference=reference.safetensors
    [ -f "$root/test/fixtures/hf/$name/reference_bf16.safetensors" ] && reference=reference_bf16.safetensors
    out="$("$dir/bin/fixture-check" "$dir/bf16/$name.so" "$root/test/fixtures/hf/$name" --device cuda --rtol 2e-2 --reference $reference 2>&1)"
    echo "$out" | sed "s/^/  $name bf16: /"
    echo "$out" | grep -q "fixture-check: [0-9]* passed, 0 failed"; note $? "$name bf16"
  done
  echo "gpu-check: $passed passed, $failed failed"
  [ "$failed" = 0 ]
}

case "${1:-all}" in
  prepare) prepare "${2:?prepare DIR}" ;;
  run) run "${2:?run DIR}" ;;
  all) tmp="$(mktemp -d)"; prepare "$tmp" && run "$tmp" ;;
  *) echo "usage: $0 [prepare DIR | run DIR]" >&2; exit 2 ;;
esac
