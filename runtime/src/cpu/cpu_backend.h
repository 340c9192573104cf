//===- cpu_backend.h - The host backend -------------------------*- C++ -*-===//
#ifndef HYBRIDRT_CPU_CPU_BACKEND_H
#define HYBRIDRT_CPU_CPU_BACKEND_H

#include "runtime/src/backend.h"

namespace hyb {

/// Device memory is host memory: state is 64-byte aligned heap memory,
/// weights alias the read-only file mapping when aligned, and per-call
/// inputs and outputs are the caller's own arrays (no staging copies).
std::unique_ptr<Backend> createCpuBackend(const BackendOptions &options);

} // namespace hyb

#endif // HYBRIDRT_CPU_CPU_BACKEND_H
