//===- files_test.cpp - Opening and replacing files safely ----------------===//

#include "test_util.h"

#include "runtime/src/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hyb;
using namespace hyb::test;

namespace {

hyb_status_t writeText(const std::string &path, const std::string &text) {
  return replaceFile(path, [&](FILE *f) -> hyb_status_t {
    std::fwrite(text.data(), 1, text.size(), f);
    return nullptr;
  });
}

bool isLink(const std::string &path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

} // namespace

TEST(OpenRegularFileTest, RefusesFifoWithoutBlocking) {
  TempDir dir;
  std::string fifo = dir.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  BlockingWatchdog watchdog(10);
  int fd = -1;
  uint64_t size = 0;
  StatusResult r = take(openRegularFile(fifo, &fd, &size));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(r.message, fifo + ": is a FIFO, not a regular file");
  EXPECT_EQ(fd, -1);
}

TEST(OpenRegularFileTest, RefusesDevicesAndDirectories) {
  TempDir dir;
  int fd = -1;
  uint64_t size = 0;
  StatusResult r = take(openRegularFile("/dev/zero", &fd, &size));
  EXPECT_EQ(r.message, "/dev/zero: is a character device, not a regular file");
  r = take(openRegularFile(dir.path(), &fd, &size));
  EXPECT_EQ(r.message, dir.path() + ": is a directory, not a regular file");
  EXPECT_EQ(fd, -1);
}

TEST(OpenRegularFileTest, OpensRegularFilesWithTheirSize) {
  TempDir dir;
  writeFile(dir.file("f"), "12345");
  int fd = -1;
  uint64_t size = 0;
  HYB_ASSERT_OK(openRegularFile(dir.file("f"), &fd, &size));
  EXPECT_EQ(size, 5u);
  char c = 0;
  EXPECT_EQ(read(fd, &c, 1), 1);
  EXPECT_EQ(c, '1');
  close(fd);
}

TEST(ReplaceFileTest, RefusesFifoDeviceAndDirectoryTargets) {
  TempDir dir;
  std::string fifo = dir.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  BlockingWatchdog watchdog(10);
  StatusResult r = take(writeText(fifo, "x"));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(r.message,
            fifo + ": is a FIFO, not a regular file; refusing to replace it");
  // Renaming over /dev/null would replace the device for every process.
  r = take(writeText("/dev/null", "x"));
  EXPECT_EQ(r.message, "/dev/null: is a character device, not a regular "
                       "file; refusing to replace it");
  struct stat st;
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  std::string sub = dir.file("sub");
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  r = take(writeText(sub, "x"));
  EXPECT_EQ(r.message,
            sub + ": is a directory, not a regular file; refusing to replace "
                  "it");
  // Nothing was written beside the refused targets.
  EXPECT_EQ(access((fifo + ".tmp." + std::to_string(getpid())).c_str(), F_OK),
            -1);
}

TEST(ReplaceFileTest, LinkToNonRegularFileIsRefusedNamingBoth) {
  TempDir dir;
  std::string link = dir.file("link");
  ASSERT_EQ(symlink("/dev/null", link.c_str()), 0);
  StatusResult r = take(writeText(link, "x"));
  EXPECT_EQ(r.message, link + " (a link to /dev/null): is a character device, "
                              "not a regular file; refusing to replace it");
  EXPECT_TRUE(isLink(link));
}

TEST(ReplaceFileTest, WritesThroughSymlinksAndKeepsThem) {
  TempDir dir;
  writeFile(dir.file("real"), "old");
  // A relative link, through a second link: both stay links.
  ASSERT_EQ(symlink("real", dir.file("link1").c_str()), 0);
  ASSERT_EQ(symlink(dir.file("link1").c_str(), dir.file("link2").c_str()), 0);
  HYB_ASSERT_OK(writeText(dir.file("link2"), "new"));
  EXPECT_TRUE(isLink(dir.file("link1")));
  EXPECT_TRUE(isLink(dir.file("link2")));
  EXPECT_EQ(readFile(dir.file("real")), "new");
  // A dangling link: its target is created, the link stays.
  ASSERT_EQ(symlink("later", dir.file("dangling").c_str()), 0);
  HYB_ASSERT_OK(writeText(dir.file("dangling"), "made"));
  EXPECT_TRUE(isLink(dir.file("dangling")));
  EXPECT_EQ(readFile(dir.file("later")), "made");
}

TEST(ReplaceFileTest, LinkLoopIsRefused) {
  TempDir dir;
  ASSERT_EQ(symlink("b", dir.file("a").c_str()), 0);
  ASSERT_EQ(symlink("a", dir.file("b").c_str()), 0);
  StatusResult r = take(writeText(dir.file("a"), "x"));
  EXPECT_EQ(r.code, HYB_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(r.message.find("levels of symbolic links"), std::string::npos)
      << r.message;
}

TEST(ReplaceFileTest, FailedWriteKeepsTheOldFileAndLeavesNoTemporary) {
  TempDir dir;
  writeFile(dir.file("f"), "old");
  StatusResult r = take(replaceFile(dir.file("f"), [](FILE *f) {
    std::fputs("partial", f);
    return error(HYB_STATUS_INTERNAL, "stopped");
  }));
  EXPECT_EQ(r.message, "stopped");
  EXPECT_EQ(readFile(dir.file("f")), "old");
  EXPECT_EQ(access((dir.file("f") + ".tmp." + std::to_string(getpid())).c_str(),
                   F_OK),
            -1);
}
