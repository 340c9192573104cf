//===- OutputFile.cpp - Writing an output file, checked -------------------===//

#include "targets/OutputFile.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace hybrid::target {

std::string
writeOutputFile(StringRef path, sys::fs::OpenFlags flags,
                function_ref<std::string(raw_pwrite_stream &)> write) {
  // Decided before opening: ToolOutputFile removes what it opened unless
  // kept, and /dev/full or a FIFO is not ours to remove (as root, it could
  // be).
  bool removable = path != "-" && (!sys::fs::exists(path) ||
                                   sys::fs::is_regular_file(path));
  StringRef name = path == "-" ? StringRef("stdout") : path;
  std::error_code ec;
  ToolOutputFile out(path, ec, flags);
  if (ec)
    return ("cannot open " + name + ": " + ec.message()).str();
  if (!removable)
    out.keep();
  std::string error = write(out.os());
  // close() (flush() for stdout) surfaces the last write's error and
  // close's own, which the destructor would turn into a fatal error.
  if (path == "-")
    out.os().flush();
  else
    out.os().close();
  if (error.empty() && out.os().has_error())
    error = ("cannot write " + name + ": " + out.os().error().message()).str();
  out.os().clear_error();
  if (error.empty())
    out.keep();
  return error;
}

} // namespace hybrid::target
