#!/usr/bin/env bash
# Compiles every HF fixture with this tree's hybridc and with REV's (built in a
# git worktree under $HYBRIDC_BUILD_DIR/compare-REV, sharing ccache), runs one
# prefill and a greedy generation with each revision's own hybrid-run, and
# compares: the logits must be bit-identical and the tokens the same. For
# changes meant not to move numerics (refactors, ABI changes); a change that
# does move them is expected to fail here and should say why in its commit.
#
#   scripts/compare-logits-with.sh REV     e.g. 13f08a8
# Ends with "compare-logits: N passed, N failed".
set -uo pipefail
rev="${1:?usage: compare-logits-with.sh REV}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${HYBRIDC_BUILD_DIR:-$root/build}"
other="$build/compare-$rev"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$root")}"

"$root/scripts/build.sh" hybridc hybrid-run >/dev/null || exit 1
if [ ! -d "$other/src" ]; then
  git -C "$root" worktree add --detach "$other/src" "$rev" >/dev/null || exit 1
fi
HYBRIDC_BUILD_DIR="$other/build" "$other/src/scripts/build.sh" hybridc hybrid-run >/dev/null || exit 1

tokens=6,45,47,12,15,72,14,16,10,39  # below every fixture's vocabulary (llama_tied: 112)
passed=0 failed=0
for dir in "$root"/test/fixtures/hf/*/; do
  name=$(basename "$dir")
  for side in new old; do
    bin="$build/bin"; [ "$side" = old ] && bin="$other/build/bin"
    "$bin/hybridc" "$dir" -o "$other/$name.$side.so" --max-seq=64 --quiet &&
    "$bin/hybrid-run" "$other/$name.$side.so" --weights "$dir" --tokens "$tokens" \
        --generate 8 --dump-logits "$other/$name.$side.logits" | tail -1 > "$other/$name.$side.tokens"
  done
  if cmp -s "$other/$name.new.logits" "$other/$name.old.logits" &&
     cmp -s "$other/$name.new.tokens" "$other/$name.old.tokens" &&
     [ -s "$other/$name.new.tokens" ]; then
    echo "PASS $name: logits bit-identical, tokens $(cat "$other/$name.new.tokens")"
    passed=$((passed + 1))
  else
    echo "FAIL $name: logits or tokens differ from $rev"
    failed=$((failed + 1))
  fi
done
echo "compare-logits: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
