#!/usr/bin/env python3
"""Prints FNV-1a 64 of a file's bytes as a manifest's config_hash spells it
(fnv1a64:<16 hex digits>): an implementation independent of the C++ one in
runtime/src/config_hash.cpp, for tests to check it against."""
import sys

h = 0xCBF29CE484222325
for byte in open(sys.argv[1], "rb").read():
    h = ((h ^ byte) * 0x100000001B3) % 2**64
print("fnv1a64:%016x" % h)
