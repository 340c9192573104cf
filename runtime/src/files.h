//===- files.h - Opening and replacing files safely -------------*- C++ -*-===//
//
// Every file the runtime reads (artifacts, weights, session files) or writes
// (session files) goes through these, so that a path naming a FIFO, a device
// or a directory fails with one line instead of blocking in open(), reading
// a device or renaming over it.
//
//===----------------------------------------------------------------------===//
#ifndef HYBRIDRT_FILES_H
#define HYBRIDRT_FILES_H

#include "runtime/src/status.h"

#include <cstdio>
#include <functional>
#include <string>
#include <sys/types.h>

namespace hyb {

/// The folder of |path|: "a/b" -> "a", "/b" -> "/", "b" -> ".".
std::string dirName(const std::string &path);

/// "a FIFO", "a directory", "a character device", ... for messages.
const char *fileTypeName(mode_t mode);

/// Opens |path| read-only if it is a regular file, with *out_fd (close it)
/// and *out_size. Never blocks: a FIFO or device is refused before it is
/// opened (and, against a swap in between, again after, from the open file).
hyb_status_t openRegularFile(const std::string &path, int *out_fd,
                             uint64_t *out_size);

/// Replaces |path| with what |write| writes: into a temporary file beside
/// the destination, then renamed over it, so that a failed write leaves the
/// old file whole and no partial one. A symbolic link at |path| is kept and
/// the file it points to replaced. Refuses, before writing anything, a
/// destination that exists and is not a regular file (FIFO, device,
/// directory). |write| returns a status of its own; write errors of the
/// stream are checked here.
hyb_status_t replaceFile(const std::string &path,
                         const std::function<hyb_status_t(FILE *)> &write);

} // namespace hyb

#endif // HYBRIDRT_FILES_H
