#!/usr/bin/env bash
# The README's test command, and CI's (.ci/run): installs what is missing,
# builds everything, runs the lit suite (check-hybridc) and the GoogleTest
# unit tests (ctest), then the sanitizer and fuzzing steps
# (scripts/ci-sanitizers.sh: the whole suite again on an ASan+UBSan build, the
# runtime's tests on a TSan build, every fuzz target for a minute), and ends
# with one summary line counting all of them:
# "hybridc: N passed, N failed, N skipped".
# HYBRIDC_QUICK=1 leaves the sanitizer and fuzzing steps out (counted as
# skipped); docs/Testing.md says what each step costs.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"

"$root/scripts/bootstrap.sh" || exit 1

# What each step costs: wall seconds, and CPU seconds (user + system of every
# process it ran), printed as "hybridc-ci: STEP: ... (wall W s, cpu C s)".
# On a shared machine the wall time is an upper bound; the CPU time is not.
mkdir -p "$build"
times_file="$build/.ci-times"
cpu=0
read_cpu() {
  times > "$times_file"
  cpu=$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m");
                       printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$times_file")
}
step_start() { step_wall=$SECONDS; read_cpu; step_cpu=$cpu; }
# Sets $cost (not in $(...): a subshell would not see this shell's children).
step_cost() { read_cpu; cost="(wall $((SECONDS - step_wall)) s, cpu $((cpu - step_cpu)) s)"; }

step_start
"$root/scripts/build.sh" || { echo "hybridc: build failed"; echo "hybridc: 0 passed, 1 failed, 0 skipped"; exit 1; }
step_cost; echo "hybridc-ci: build: $cost"

step_start

lit_log="$build/lit.log"
/usr/lib/llvm-22/bin/lit -sv "$build/test" 2>&1 | tee "$lit_log"
lit_status=${PIPESTATUS[0]}

ctest_log="$build/ctest.log"
ctest_status=0
if [ -f "$build/CTestTestfile.cmake" ]; then
  (cd "$build" && ctest --output-on-failure -j2) 2>&1 | tee "$ctest_log"
  ctest_status=${PIPESTATUS[0]}
else
  : > "$ctest_log"
fi
step_cost; echo "hybridc-ci: suite (lit + ctest): $cost"

# The sanitizer and fuzzing steps, each with its counts in $build/ci-STEP.counts.
steps_status=0
for step in asan tsan fuzz; do
  counts="$build/ci-$step.counts"
  if [ "${HYBRIDC_QUICK:-0}" = 1 ]; then
    echo "0 0 1" > "$counts"
    echo "hybridc-ci: $step: skipped (HYBRIDC_QUICK=1)"
    continue
  fi
  step_start
  "$root/scripts/ci-sanitizers.sh" "$step" "$counts" 2>&1 | tee "$build/ci-$step.log"
  status=${PIPESTATUS[0]}
  read -r p f s < "$counts"
  step_cost
  echo "hybridc-ci: $step: $p passed, $f failed, $s skipped $cost"
  [ "$status" -eq 0 ] || steps_status=1
done

python3 - "$lit_log" "$ctest_log" "$build"/ci-asan.counts "$build"/ci-tsan.counts \
    "$build"/ci-fuzz.counts <<'PY'
import re, sys
lit = open(sys.argv[1]).read()
ctest = open(sys.argv[2]).read()
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
for path in sys.argv[3:]:
    p, f, s = (int(x) for x in open(path).read().split())
    passed, failed, skipped = passed + p, failed + f, skipped + s
print(f"hybridc: {passed} passed, {failed} failed, {skipped} skipped")
PY

[ "$lit_status" -eq 0 ] && [ "$ctest_status" -eq 0 ] && [ "$steps_status" -eq 0 ]
