//===- session_file.cpp - The session state file (docs/Runtime.md) -------===//

#include "runtime/src/session.h"
#include "runtime/src/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace hyb;

namespace {

constexpr char kMagic[8] = {'H', 'Y', 'B', 'S', 'T', 'A', 'T', 'E'};

uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;

/// Writes and hashes; write errors stay in the stream (ferror), which
/// replaceFile checks.
struct Writer {
  FILE *f;
  uint64_t hash = kFnvOffset;
  void bytes(const void *p, size_t n) {
    hash = fnv1a(hash, p, n);
    if (n)
      std::fwrite(p, 1, n, f);
  }
  void u64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i)
      b[i] = (v >> (8 * i)) & 0xff;
    bytes(b, 8);
  }
  void u32(uint32_t v) {
    unsigned char b[4];
    for (int i = 0; i < 4; ++i)
      b[i] = (v >> (8 * i)) & 0xff;
    bytes(b, 4);
  }
  void str(const std::string &s) {
    u32(uint32_t(s.size()));
    bytes(s.data(), s.size());
  }
};

struct Reader {
  FILE *f;
  const std::string &path;
  uint64_t offset = 0;
  uint64_t hash = kFnvOffset;
  hyb_status_t bytes(void *p, size_t n, const char *what) {
    if (n && std::fread(p, 1, n, f) != n)
      return error(HYB_STATUS_INVALID_FORMAT, path, ": truncated at byte ",
                   offset, " while reading ", what);
    hash = fnv1a(hash, p, n);
    offset += n;
    return nullptr;
  }
  hyb_status_t u64(uint64_t *v, const char *what) {
    unsigned char b[8];
    HYB_RETURN_IF_ERROR(bytes(b, 8, what));
    *v = 0;
    for (int i = 7; i >= 0; --i)
      *v = (*v << 8) | b[i];
    return nullptr;
  }
  hyb_status_t i64(int64_t *v, const char *what) {
    uint64_t u;
    HYB_RETURN_IF_ERROR(u64(&u, what));
    std::memcpy(v, &u, 8);
    return nullptr;
  }
  hyb_status_t u32(uint32_t *v, const char *what) {
    unsigned char b[4];
    HYB_RETURN_IF_ERROR(bytes(b, 4, what));
    *v = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 |
         uint32_t(b[3]) << 24;
    return nullptr;
  }
  hyb_status_t str(std::string *s, const char *what, uint32_t maxLen) {
    uint32_t n;
    HYB_RETURN_IF_ERROR(u32(&n, what));
    if (n > maxLen)
      return error(HYB_STATUS_INVALID_FORMAT, path, ": ", what, " at byte ",
                   offset - 4, " claims ", n, " bytes (corrupt file)");
    s->resize(n);
    return bytes(s->data(), n, what);
  }
};

struct FileCloser {
  FILE *f;
  ~FileCloser() {
    if (f)
      std::fclose(f);
  }
};

} // namespace

hyb_status_t hyb::saveSession(const hyb_session_t *session, const char *path) {
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_save"));
  if (!path)
    return error(HYB_STATUS_INVALID_ARGUMENT, "hyb_session_save: path is NULL");
  HYB_RETURN_IF_ERROR(synchronize(const_cast<hyb_session_t *>(session)));
  const Manifest &m = session->module->manifest;
  // replaceFile: a failed save leaves no partial file under |path|.
  return replaceFile(path, [&](FILE *f) -> hyb_status_t {
    Writer w{f};
    w.bytes(kMagic, 8);
    w.u32(HYB_SESSION_FILE_VERSION);
    w.u32(0); // flags, reserved
    w.str(m.modelName);
    w.str(m.configHash);
    w.u64(uint64_t(session->batch));
    for (int64_t p : session->positions)
      w.u64(uint64_t(p));
    w.u32(uint32_t(m.state.size()));
    std::vector<uint8_t> host;
    for (size_t i = 0; i < m.state.size(); ++i) {
      const TensorDecl &decl = m.state[i];
      w.str(decl.name);
      w.str(dtypeName(decl.dtype));
      w.u32(uint32_t(decl.shape.size() + 1));
      w.u64(uint64_t(session->batch));
      for (int64_t d : decl.shape)
        w.u64(uint64_t(d));
      uint64_t bytes = stateBytes(decl, session->batch);
      w.u64(bytes);
      host.resize(size_t(bytes));
      HYB_RETURN_IF_ERROR(session->module->backend->copyToHost(
          session->state[i], host.data(), bytes));
      w.bytes(host.data(), size_t(bytes));
    }
    uint64_t checksum = w.hash;
    w.u64(checksum);
    return nullptr;
  });
}


hyb_status_t hyb::loadSession(hyb_session_t *session, const char *path) {
  HYB_RETURN_IF_ERROR(checkSession(session, "hyb_session_load"));
  if (!path)
    return error(HYB_STATUS_INVALID_ARGUMENT, "hyb_session_load: path is NULL");
  const Manifest &m = session->module->manifest;
  std::string p = path;
  int fd;
  uint64_t size;
  HYB_RETURN_IF_ERROR(openRegularFile(p, &fd, &size));
  FileCloser closer{::fdopen(fd, "rb")};
  if (!closer.f) {
    ::close(fd);
    return error(HYB_STATUS_IO_ERROR, p, ": cannot open: ",
                 std::strerror(errno));
  }
  Reader r{closer.f, p};
  char magic[8];
  HYB_RETURN_IF_ERROR(r.bytes(magic, 8, "the magic"));
  if (std::memcmp(magic, kMagic, 8) != 0)
    return error(HYB_STATUS_INVALID_FORMAT, p,
                 ": not a hybrid session file (bad magic)");
  uint32_t version, flags;
  HYB_RETURN_IF_ERROR(r.u32(&version, "the version"));
  if (version != HYB_SESSION_FILE_VERSION)
    return error(HYB_STATUS_INVALID_FORMAT, p, ": session file version ",
                 version, " is not supported (this runtime reads version ",
                 HYB_SESSION_FILE_VERSION, ")");
  HYB_RETURN_IF_ERROR(r.u32(&flags, "the flags"));
  if (flags != 0)
    return error(HYB_STATUS_INVALID_FORMAT, p, ": unknown flags 0x",
                 std::hex, flags);
  std::string model, hash;
  HYB_RETURN_IF_ERROR(r.str(&model, "the model name", 1 << 16));
  HYB_RETURN_IF_ERROR(r.str(&hash, "the config hash", 1 << 16));
  if (hash != m.configHash || model != m.modelName)
    return error(HYB_STATUS_MISMATCH, p, ": saved by model '",
                 printable(model), "' (config_hash ", printable(hash),
                 "), but this module is '",
                 m.modelName, "' (config_hash ", m.configHash, ")");
  uint64_t batch;
  HYB_RETURN_IF_ERROR(r.u64(&batch, "the batch size"));
  if (batch != uint64_t(session->batch))
    return error(HYB_STATUS_MISMATCH, p, ": batch size ", batch,
                 " in the file, the session has ", session->batch);
  std::vector<int64_t> positions(static_cast<size_t>(batch));
  for (uint64_t b = 0; b < batch; ++b) {
    HYB_RETURN_IF_ERROR(r.i64(&positions[size_t(b)], "a position"));
    if (positions[size_t(b)] < 0 || positions[size_t(b)] > m.maxSeq)
      return error(HYB_STATUS_OUT_OF_RANGE, p, ": sequence ", b,
                   " position ", positions[size_t(b)],
                   " is outside [0, max_seq ", m.maxSeq, "]");
  }
  uint32_t count;
  HYB_RETURN_IF_ERROR(r.u32(&count, "the state buffer count"));
  if (count != m.state.size())
    return error(HYB_STATUS_MISMATCH, p, ": ", count,
                 " state buffers in the file, the module has ",
                 m.state.size());
  std::vector<std::vector<uint8_t>> data(count);
  for (uint32_t i = 0; i < count; ++i) {
    const TensorDecl &decl = m.state[i];
    std::string name, dtype;
    HYB_RETURN_IF_ERROR(r.str(&name, "a state buffer name", 1 << 16));
    if (name != decl.name)
      return error(HYB_STATUS_MISMATCH, p, ": state buffer ", i, " is '",
                   printable(name), "' in the file, the module expects '",
                   decl.name, "'");
    HYB_RETURN_IF_ERROR(r.str(&dtype, "a dtype", 16));
    if (dtype != dtypeName(decl.dtype))
      return error(HYB_STATUS_MISMATCH, p, ": state buffer '", name,
                   "' is ", printable(dtype), " in the file, the module expects ",
                   dtypeName(decl.dtype));
    uint32_t rank;
    HYB_RETURN_IF_ERROR(r.u32(&rank, "a rank"));
    if (rank > HYB_MAX_RANK + 1)
      return error(HYB_STATUS_INVALID_FORMAT, p, ": state buffer '", name,
                   "' has rank ", rank, " (corrupt file)");
    std::vector<int64_t> shape(rank), expected = {session->batch};
    expected.insert(expected.end(), decl.shape.begin(), decl.shape.end());
    for (auto &d : shape)
      HYB_RETURN_IF_ERROR(r.i64(&d, "a shape"));
    if (shape != expected)
      return error(HYB_STATUS_MISMATCH, p, ": state buffer '", name,
                   "' has shape ", formatShape(shape),
                   " in the file, the module expects ", formatShape(expected));
    uint64_t bytes, want = stateBytes(decl, session->batch);
    HYB_RETURN_IF_ERROR(r.u64(&bytes, "a byte size"));
    if (bytes != want)
      return error(HYB_STATUS_INVALID_FORMAT, p, ": state buffer '", name,
                   "' claims ", bytes, " bytes, its shape needs ", want);
    data[i].resize(size_t(bytes));
    HYB_RETURN_IF_ERROR(r.bytes(data[i].data(), size_t(bytes),
                                ("the data of '" + name + "'").c_str()));
  }
  uint64_t expectedSum = r.hash, checksum;
  HYB_RETURN_IF_ERROR(r.u64(&checksum, "the checksum"));
  if (checksum != expectedSum)
    return error(HYB_STATUS_INVALID_FORMAT, p,
                 ": checksum mismatch (the file is corrupt)");
  if (std::fgetc(closer.f) != EOF)
    return error(HYB_STATUS_INVALID_FORMAT, p, ": trailing bytes after byte ",
                 r.offset);
  // Everything checked: commit.
  HYB_RETURN_IF_ERROR(synchronize(session));
  for (uint32_t i = 0; i < count; ++i)
    HYB_RETURN_IF_ERROR(session->module->backend->copyFromHost(
        session->state[i], data[i].data(), data[i].size()));
  session->positions = positions;
  return nullptr;
}

