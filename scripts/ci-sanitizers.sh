#!/usr/bin/env bash
# The sanitizer and fuzzing steps of CI (scripts/test.sh runs them after the
# plain suite; docs/Testing.md). One step per call:
#
#   scripts/ci-sanitizers.sh asan  COUNTS   # whole suite, ASan+UBSan build
#   scripts/ci-sanitizers.sh tsan  COUNTS   # runtime alone, TSan build
#   scripts/ci-sanitizers.sh fuzz  COUNTS   # every fuzz target, bounded
#
# Each configures (once) and builds its own tree beside the plain one
# (${HYBRIDC_BUILD_DIR:-build}-asan, -tsan; the fuzzers live in the -asan
# tree), runs, and writes "PASSED FAILED SKIPPED" to COUNTS for the summary
# line. Any sanitizer report fails the step, also one printed by a process
# whose exit status a test does not look at: every report goes to a log file
# (log_path) and the step fails when one exists.
#
# Knobs: HYBRIDC_FUZZ_SECONDS (default 60 per target),
# HYBRIDC_JOBS (ninja -j; default ninja's own).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
step="${1:?usage: ci-sanitizers.sh asan|tsan|fuzz COUNTS}"
counts="${2:?usage: ci-sanitizers.sh asan|tsan|fuzz COUNTS}"
jobs=()
[ -n "${HYBRIDC_JOBS:-}" ] && jobs=(-j "$HYBRIDC_JOBS")
lit=/usr/lib/llvm-22/bin/lit

write_counts() { echo "$1 $2 $3" > "$counts"; }
write_counts 0 1 0 # until the step says otherwise

# configure DIR CMAKE_ARGS...: a tree configured with clang-22 and the given
# sanitizer arguments, once.
configure() {
  local dir="$1"; shift
  [ -f "$dir/build.ninja" ] && return 0
  cmake -G Ninja -S "$root" -B "$dir" \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm "$@" > "$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; rm -f "$dir/build.ninja"; return 1; }
}

# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs when it
# is compiled with ASan (llvm/Support/Compiler.h). Our instrumented code
# inlines that poisoning, while libMLIR.so's uninstrumented copies of the same
# allocator never unpoison what they hand out: without this every MLIR
# attribute built from our code is a false "use-after-poison".
asan_base="allow_user_poisoning=0"

# Sanitizer options shared by the steps: stop at the first report, log it
# to $logs/, symbolize with Debian's llvm-symbolizer.
sanitizer_env() {
  local logs="$1"
  rm -rf "$logs" && mkdir -p "$logs"
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-22/bin/llvm-symbolizer
  export ASAN_OPTIONS="$asan_base:abort_on_error=1:detect_leaks=1:log_path=$logs/asan:log_exe_name=1:strict_string_checks=1:check_initialization_order=1"
  export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$logs/ubsan:log_exe_name=1"
  export LSAN_OPTIONS="log_path=$logs/lsan:log_exe_name=1"
  export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:log_path=$logs/tsan:log_exe_name=1"
}

# reports DIR: 0 when no sanitizer wrote a report under DIR; else prints
# the reports (the first 200 lines of each) and returns 1.
reports() {
  local logs="$1" found=0 report
  for report in "$logs"/*; do
    [ -s "$report" ] || continue
    found=1
    echo "---- sanitizer report: $report"
    head -200 "$report"
  done
  [ "$found" -eq 0 ]
}

# Counts of a lit log and a ctest log, as scripts/test.sh reads them.
count_logs() {
  python3 - "$1" "$2" <<'PY'
import re, sys
lit = open(sys.argv[1]).read() if sys.argv[1] != "-" else ""
ctest = open(sys.argv[2]).read() if sys.argv[2] != "-" else ""
def count(pattern, text):
    m = re.search(pattern, text)
    return int(m.group(1)) if m else 0
passed = count(r"Passed\s*:\s*(\d+)", lit) + count(r"Expectedly Failed\s*:\s*(\d+)", lit)
failed = sum(count(r"%s\s*:\s*(\d+)" % k, lit) for k in
             ("\n  Failed", "Unexpectedly Passed", "Unresolved", "Timed Out"))
skipped = count(r"Unsupported\s*:\s*(\d+)", lit)
m = re.search(r"(\d+)% tests passed, (\d+) tests? failed out of (\d+)", ctest)
if m:
    total, bad = int(m.group(3)), int(m.group(2))
    skipped_ct = len(re.findall(r"\*\*\*Skipped|Not Run", ctest))
    passed += total - bad - skipped_ct
    failed += bad
    skipped += skipped_ct
elif ctest.strip():
    failed += 1  # ctest ran but printed no summary
print(passed, failed, skipped)
PY
}

case "$step" in
asan)
  # The whole suite (lit and GoogleTest) on a tree whose own code is built
  # with ASan+UBSan; Debian's libMLIR.so/libLLVM.so and the artifacts hybridc
  # writes are not instrumented. -O1: the instrumented code is not what the
  # suite spends its time in (hybridc's time is in libLLVM), and -O1 compiles
  # in about half the time of -O3. NDEBUG stays defined (CMakeLists.txt).
  dir="$build-asan"
  configure "$dir" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DHYBRIDC_SANITIZE=address,undefined -DHYBRIDC_BUILD_FUZZERS=ON || exit 1
  ninja -C "$dir" "${jobs[@]}" > "$dir.build.log" 2>&1 ||
    { tail -50 "$dir.build.log"; echo "ci-sanitizers: asan build failed"; exit 1; }
  sanitizer_env "$dir/sanitizer-logs"
  "$lit" -sv --time-tests "$dir/test" > "$dir/lit.log" 2>&1
  lit_status=$?
  (cd "$dir" && ctest --output-on-failure -j2) > "$dir/ctest.log" 2>&1
  ctest_status=$?
  grep -E "^(FAIL|UNRESOLVED|TIMEOUT|XPASS):|tests passed|Failed|Passed|Unsupported" "$dir/lit.log" "$dir/ctest.log" | tail -20
  read -r p f s < <(count_logs "$dir/lit.log" "$dir/ctest.log")
  # One more test: no sanitizer report anywhere in the run.
  if reports "$dir/sanitizer-logs"; then p=$((p + 1)); else f=$((f + 1)); fi
  write_counts "$p" "$f" "$s"
  [ "$lit_status" -eq 0 ] && [ "$ctest_status" -eq 0 ] && [ "$f" -eq 0 ]
  ;;
tsan)
  # The runtime builds without MLIR: a TSan tree of it alone, running its
  # unit tests (the concurrency tests among them: two sessions in two
  # threads, forking while another session decodes).
  dir="$build-tsan"
  configure "$dir" -DCMAKE_BUILD_TYPE=Release \
    -DHYBRIDC_BUILD_COMPILER=OFF -DHYBRIDC_EXCLUDE=frontend \
    -DHYBRIDC_SANITIZE=thread || exit 1
  ninja -C "$dir" "${jobs[@]}" > "$dir.build.log" 2>&1 ||
    { tail -50 "$dir.build.log"; echo "ci-sanitizers: tsan build failed"; exit 1; }
  sanitizer_env "$dir/sanitizer-logs"
  (cd "$dir" && ctest --output-on-failure -j2) > "$dir/ctest.log" 2>&1
  ctest_status=$?
  grep -E "tests passed|Failed|Concurrency" "$dir/ctest.log" | tail -10
  read -r p f s < <(count_logs - "$dir/ctest.log")
  if ! grep -q "ConcurrencyTest.ForkWhileDecoding .*Passed" "$dir/ctest.log" ||
     ! grep -q "ConcurrencyTest.TwoSessionsInTwoThreads .*Passed" "$dir/ctest.log"; then
    echo "ci-sanitizers: the concurrency tests did not pass under TSan"
    f=$((f + 1))
  fi
  if reports "$dir/sanitizer-logs"; then p=$((p + 1)); else f=$((f + 1)); fi
  write_counts "$p" "$f" "$s"
  [ "$ctest_status" -eq 0 ] && [ "$f" -eq 0 ]
  ;;
fuzz)
  # Every libFuzzer target of the -asan tree for HYBRIDC_FUZZ_SECONDS on its
  # committed corpus. New inputs go to a scratch folder (the committed
  # corpus is read only); a crasher is written to $dir/fuzz-crashes/ and
  # fails the step: minimize it, fix the bug and commit it as a regression
  # input (docs/Testing.md).
  dir="$build-asan"
  seconds="${HYBRIDC_FUZZ_SECONDS:-60}"
  ninja -C "$dir" "${jobs[@]}" SafetensorsFuzzer hybrid-config-fuzzer hybrid-opt-fuzzer \
    > "$dir.fuzz-build.log" 2>&1 ||
    { tail -50 "$dir.fuzz-build.log"; echo "ci-sanitizers: fuzzer build failed"; exit 1; }
  crashes="$dir/fuzz-crashes"
  rm -rf "$crashes" && mkdir -p "$crashes"
  unset LSAN_OPTIONS
  export ASAN_OPTIONS="$asan_base"
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-22/bin/llvm-symbolizer
  export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
  p=0 f=0
  # name binary seed-dirs... [-- extra flags]
  run_fuzzer() {
    local name="$1" bin="$2"; shift 2
    local seeds=() flags=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do seeds+=("$1"); shift; done
    [ $# -gt 0 ] && shift && flags=("$@")
    local scratch log="$dir/fuzz-$name.log"
    scratch="$(mktemp -d)"
    local start=$SECONDS
    "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 \
      -print_final_stats=1 -artifact_prefix="$crashes/$name-" "${flags[@]}" \
      "$scratch" "${seeds[@]}" > "$log" 2>&1
    local status=$?
    rm -rf "$scratch"
    local execs
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')"
    if [ "$status" -eq 0 ] && [ -n "$execs" ]; then
      echo "PASS: fuzz $name ($execs inputs in $((SECONDS - start)) s)"
      p=$((p + 1))
    else
      echo "FAIL: fuzz $name (exit $status; log $log)"
      grep -A30 -m1 "ERROR:\|runtime error\|deadly signal\|Test unit written" "$log" | head -40
      f=$((f + 1))
    fi
  }
  run_fuzzer safetensors "$dir/bin/SafetensorsFuzzer" "$root/runtime/fuzz/corpus" \
    -- -dict="$root/runtime/fuzz/safetensors.dict"
  run_fuzzer config "$dir/frontend/fuzz/hybrid-config-fuzzer" "$root/test/Frontend/Inputs"
  run_fuzzer hybrid-opt "$dir/bin/hybrid-opt-fuzzer" "$root/tools/hybrid-opt/fuzz/corpus" \
    -- -max_len=4096
  write_counts "$p" "$f" 0
  [ "$f" -eq 0 ]
  ;;
*)
  echo "usage: ci-sanitizers.sh asan|tsan|fuzz COUNTS" >&2
  exit 2
  ;;
esac
