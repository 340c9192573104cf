//===- CPUTarget.h - the CPU target backend ---------------------*- C++ -*-===//

#ifndef HYBRIDC_TARGETS_CPU_CPUTARGET_H
#define HYBRIDC_TARGETS_CPU_CPUTARGET_H

#include "targets/TargetBackend.h"

namespace hybrid::target {

/// x86-64 (and whatever LLVM's native target is) through the CPU pipelines
/// of passes/Target/CPU, LLVM O3 for the host's (or --cpu's) CPU, and ld.lld
/// into a shared library that needs only libc, libm and libomp.
std::unique_ptr<TargetBackend> createCPUTargetBackend(const TargetOptions &);

} // namespace hybrid::target

#endif // HYBRIDC_TARGETS_CPU_CPUTARGET_H
