#!/usr/bin/env python3
"""Checks a --target=cuda artifact without a GPU or a driver.

    inspect-cuda-artifact.py ARTIFACT.so ARCH

Loads the artifact (its host code links against nothing but libc), reads
hybrid_artifact_manifest(), hybrid_cuda_cubin() and hybrid_cuda_ptx(), and
checks what docs/ABI.md promises: the manifest's target is cuda for ARCH
with a non-empty table of unique kernel names; the cubin is a CUDA ELF
(EM_CUDA) for ARCH defining every kernel of the table; the PTX targets ARCH
and has an .entry for every kernel. Prints one line per artifact.
"""
import ctypes
import json
import re
import struct
import sys


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def cubin_symbols(data):
    """Names of the symbols in the ELF64 .symtab of |data|."""
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, _ = struct.unpack_from("<HHH", data, 0x3A)
    sections = []
    for i in range(shnum):
        name, kind, _, _, offset, size, link, _, _, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * shentsize)
        sections.append((kind, offset, size, link, entsize))
    names = set()
    for kind, offset, size, link, entsize in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        strtab = sections[link]
        for at in range(offset, offset + size, entsize):
            (name,) = struct.unpack_from("<I", data, at)
            start = strtab[1] + name
            end = data.index(b"\0", start)
            names.add(data[start:end].decode())
    return names


def main():
    path, arch = sys.argv[1], sys.argv[2]
    lib = ctypes.CDLL(path)
    lib.hybrid_artifact_manifest.restype = ctypes.c_char_p
    manifest = json.loads(lib.hybrid_artifact_manifest())
    target = manifest["target"]
    if target.get("kind") != "cuda":
        fail("target.kind is %r" % target.get("kind"))
    if target.get("arch") != arch:
        fail("target.arch is %r, expected %r" % (target.get("arch"), arch))
    if not isinstance(target.get("ptx_version"), int) or target["ptx_version"] < 80:
        fail("target.ptx_version is %r" % target.get("ptx_version"))
    kernels = target.get("kernels")
    if not kernels or len(set(kernels)) != len(kernels):
        fail("target.kernels is empty or has duplicates")

    lib.hybrid_cuda_cubin.restype = ctypes.c_void_p
    lib.hybrid_cuda_cubin.argtypes = [ctypes.POINTER(ctypes.c_uint64)]
    size = ctypes.c_uint64(0)
    address = lib.hybrid_cuda_cubin(ctypes.byref(size))
    cubin = ctypes.string_at(address, size.value)
    if cubin[:4] != b"\x7fELF" or cubin[4] != 2:
        fail("the cubin is not an ELF64 image")
    (machine,) = struct.unpack_from("<H", cubin, 0x12)
    if machine != 190:  # EM_CUDA
        fail("the cubin's e_machine is %d, not EM_CUDA (190)" % machine)
    (flags,) = struct.unpack_from("<I", cubin, 0x30)
    sm = int(re.match(r"sm_(\d+)", arch).group(1))
    if sm not in (flags & 0xFF, (flags >> 8) & 0xFF):
        fail("the cubin's e_flags 0x%x do not name %s" % (flags, arch))
    symbols = cubin_symbols(cubin)
    missing = [k for k in kernels if k not in symbols]
    if missing:
        fail("the cubin lacks kernels %s" % missing[:5])

    lib.hybrid_cuda_ptx.restype = ctypes.c_char_p
    ptx = lib.hybrid_cuda_ptx().decode()
    if not re.search(r"^\.target\s+%s\b" % re.escape(arch), ptx, re.M):
        fail("the PTX does not target %s" % arch)
    entries = set(re.findall(r"\.entry\s+(\w+)", ptx))
    missing = [k for k in kernels if k not in entries]
    if missing:
        fail("the PTX lacks entries %s" % missing[:5])
    print("ok: %s: %d kernels, cubin %d bytes, PTX %d bytes"
          % (manifest["model"]["name"], len(kernels), len(cubin), len(ptx)))


main()
