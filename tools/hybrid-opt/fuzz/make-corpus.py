#!/usr/bin/env python3
"""Writes hybrid-opt-fuzzer's seed corpus: every "// -----" chunk of the
dialect's tests (test/Dialect/Hybrid/*.mlir), one file each, with comment
lines (RUN, CHECK, expected-error) dropped. Small seeds are what libFuzzer
mutates well; the test files themselves hold a hundred chunks each.

  tools/hybrid-opt/fuzz/make-corpus.py   # rewrites tools/hybrid-opt/fuzz/corpus/
"""
import hashlib
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[3]
out = root / "tools/hybrid-opt/fuzz/corpus"
out.mkdir(exist_ok=True)
for old in out.glob("*.mlir"):
    old.unlink()
seen = set()
for test in sorted((root / "test/Dialect/Hybrid").glob("*.mlir")):
    for i, chunk in enumerate(test.read_text().split("// -----")):
        body = "\n".join(line for line in chunk.splitlines()
                         if not re.match(r"\s*//", line)).strip() + "\n"
        # A chunk of several functions (ops.mlir is one): a seed per function.
        parts = [body] if len(body) <= 4096 else [
            ("func.func" + p).strip() + "\n"
            for p in re.split(r"^func\.func", body, flags=re.M)[1:]]
        for j, part in enumerate(parts):
            if len(part) < 8 or len(part) > 4096:
                continue
            digest = hashlib.sha1(part.encode()).hexdigest()[:12]
            if digest in seen:
                continue
            seen.add(digest)
            (out / f"{test.stem}-{i:03d}-{j:02d}.mlir").write_text(part)
print(f"{len(seen)} seeds in {out.relative_to(root)}")
