//===- OutputFile.h - Writing an output file, checked -----------*- C++ -*-===//
//
// Every file hybridc writes (printed IR, LLVM IR, objects, PTX, reports on
// stdout) goes through writeOutputFile, so that a full disk or a closed
// pipe is one line naming the path, not LLVM's fatal "IO failure on output
// stream" and a stack dump from the stream's destructor.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRIDC_TARGETS_OUTPUTFILE_H
#define HYBRIDC_TARGETS_OUTPUTFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace hybrid::target {

/// Opens |path| ("-": stdout), lets |write| fill it and checks that every
/// byte reached it. Returns "" on success, else one line naming |path|:
/// |write|'s own error (a non-empty return) or the stream's. A regular file
/// that failed is removed (no partial output); a device or FIFO is never
/// removed.
std::string
writeOutputFile(llvm::StringRef path, llvm::sys::fs::OpenFlags flags,
                llvm::function_ref<std::string(llvm::raw_pwrite_stream &)>
                    write);

} // namespace hybrid::target

#endif // HYBRIDC_TARGETS_OUTPUTFILE_H
