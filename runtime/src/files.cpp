//===- files.cpp - Opening and replacing files safely ---------------------===//

#include "runtime/src/files.h"

#include <cerrno>
#include <cstring>
#include <climits>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace hyb {

const char *fileTypeName(mode_t mode) {
  if (S_ISREG(mode))
    return "a regular file";
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISLNK(mode))
    return "a symbolic link";
  return "a special file";
}

hyb_status_t openRegularFile(const std::string &path, int *out_fd,
                             uint64_t *out_size) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return error(errno == ENOENT ? HYB_STATUS_NOT_FOUND : HYB_STATUS_IO_ERROR,
                 path, ": cannot open: ", std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return error(HYB_STATUS_INVALID_ARGUMENT, path, ": is ",
                 fileTypeName(st.st_mode), ", not a regular file");
  // O_NONBLOCK: should |path| have become a FIFO since the stat, open()
  // returns at once and the fstat below refuses it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return error(errno == ENOENT ? HYB_STATUS_NOT_FOUND : HYB_STATUS_IO_ERROR,
                 path, ": cannot open: ", std::strerror(errno));
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return error(HYB_STATUS_INVALID_ARGUMENT, path,
                 ": changed while being opened; not a regular file");
  }
  *out_fd = fd;
  *out_size = uint64_t(st.st_size);
  return nullptr;
}

std::string dirName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

namespace {

/// The file a write to |path| replaces: |path|, or the end of the chain of
/// symbolic links that starts there (which need not exist yet). Fails when
/// that file exists and is not a regular file.
hyb_status_t resolveDestination(const std::string &path, std::string *out) {
  // Linux's own limit on links followed in one path lookup.
  constexpr int kMaxLinks = 40;
  std::string target = path;
  for (int links = 0;; ++links) {
    struct stat st;
    if (::lstat(target.c_str(), &st) != 0) {
      if (errno == ENOENT)
        break; // a new file (or the new target of a dangling link)
      return error(HYB_STATUS_IO_ERROR, target, ": cannot stat: ",
                   std::strerror(errno));
    }
    if (S_ISREG(st.st_mode))
      break;
    if (!S_ISLNK(st.st_mode))
      return error(HYB_STATUS_INVALID_ARGUMENT, path,
                   target == path ? "" : " (a link to " + target + ")",
                   ": is ", fileTypeName(st.st_mode),
                   ", not a regular file; refusing to replace it");
    if (links == kMaxLinks)
      return error(HYB_STATUS_INVALID_ARGUMENT, path, ": more than ",
                   kMaxLinks, " levels of symbolic links");
    // st_size is the target's length; some links (/proc) report 0.
    std::vector<char> buffer(size_t(st.st_size > 0 ? st.st_size : PATH_MAX) +
                             1);
    ssize_t n = ::readlink(target.c_str(), buffer.data(), buffer.size());
    if (n < 0 || size_t(n) >= buffer.size())
      return error(HYB_STATUS_IO_ERROR, target, ": cannot read the link: ",
                   n < 0 ? std::strerror(errno) : "it changed while read");
    std::string link(buffer.data(), size_t(n));
    target = link[0] == '/' ? link : dirName(target) + "/" + link;
  }
  *out = target;
  return nullptr;
}

} // namespace

hyb_status_t replaceFile(const std::string &path,
                         const std::function<hyb_status_t(FILE *)> &write) {
  std::string target;
  HYB_RETURN_IF_ERROR(resolveDestination(path, &target));
  // Beside the destination, so that the rename stays on one file system.
  std::string tmp = target + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  FILE *f = fd < 0 ? nullptr : ::fdopen(fd, "wb");
  if (!f) {
    int e = errno;
    if (fd >= 0)
      ::close(fd);
    return error(HYB_STATUS_IO_ERROR, path, ": cannot create: ",
                 std::strerror(e));
  }
  hyb_status_t status = write(f);
  bool written = std::fflush(f) == 0 && !std::ferror(f);
  int e = errno;
  bool closed = std::fclose(f) == 0;
  if (!closed && written)
    e = errno;
  if (!status && (!written || !closed))
    status = error(HYB_STATUS_IO_ERROR, path, ": write failed: ",
                   std::strerror(e));
  if (!status && std::rename(tmp.c_str(), target.c_str()) != 0)
    status = error(HYB_STATUS_IO_ERROR, path, ": cannot rename ", tmp, ": ",
                   std::strerror(errno));
  if (status)
    std::remove(tmp.c_str());
  return status;
}

} // namespace hyb
