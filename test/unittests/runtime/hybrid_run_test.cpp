//===- hybrid_run_test.cpp - hybrid-run end to end on the mock artifact ---===//

#include "test_util.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstring>
#include <dlfcn.h>

using namespace hyb;
using namespace hyb::test;

namespace {

struct RunResult {
  int exitCode;
  std::string out, err;
  std::string lastLine() const {
    std::string s = out;
    while (!s.empty() && s.back() == '\n')
      s.pop_back();
    size_t nl = s.find_last_of('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
  }
};

class HybridRunTest : public ::testing::Test {
protected:
  void SetUp() override {
    writeFile(dir_.file("w.safetensors"), mockWeightsFile());
  }

  RunResult run(const std::string &args) {
    std::string cmd = std::string(HYB_RUN_PATH) + " " + args + " >" +
                      dir_.file("out.txt") + " 2>" + dir_.file("err.txt");
    int status = std::system(cmd.c_str());
    RunResult r;
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = readFile(dir_.file("out.txt"));
    r.err = readFile(dir_.file("err.txt"));
    return r;
  }

  std::string base() const {
    return std::string(HYB_TEST_ARTIFACT) + " --weights " +
           dir_.file("w.safetensors");
  }

  /// Expects exit code 1 and exactly one stderr line containing |text|.
  void expectFailure(const std::string &args, const std::string &text) {
    RunResult r = run(args);
    EXPECT_EQ(r.exitCode, 1) << args;
    EXPECT_NE(r.err.find(text), std::string::npos)
        << "'" << text << "' not in: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  TempDir dir_;
};

std::vector<int64_t> apiGenerate(const std::string &weights,
                                 std::vector<int64_t> prompt, int64_t n) {
  hyb_module_t *m = nullptr;
  hyb_session_t *s = nullptr;
  hyb_status_free(hyb_module_load(HYB_TEST_ARTIFACT, &m));
  hyb_status_free(hyb_module_bind_weights(m, weights.c_str()));
  hyb_status_free(hyb_session_create(m, nullptr, &s));
  std::vector<int64_t> out(static_cast<size_t>(n));
  hyb_status_t st = hyb_session_generate_greedy(
      s, prompt.data(), int64_t(prompt.size()), n, out.data());
  EXPECT_EQ(st, nullptr) << hyb_status_message(st);
  hyb_session_free(s);
  hyb_module_free(m);
  return out;
}

std::string join(const std::vector<int64_t> &v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? " " : "") + std::to_string(v[i]);
  return s;
}

TEST_F(HybridRunTest, GeneratePrintsTokensLast) {
  RunResult r = run(base() + " --tokens 1,2,3 --generate 6");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.lastLine(),
            join(apiGenerate(dir_.file("w.safetensors"), {1, 2, 3}, 6)));
  // The greedy-entry variant and a batch of 3 agree.
  RunResult g = run(std::string(HYB_TEST_ARTIFACT_GREEDY) + " --weights=" +
                    dir_.file("w.safetensors") +
                    " --tokens=1,2,3 --generate=6 --batch=3 --threads=2");
  ASSERT_EQ(g.exitCode, 0) << g.err;
  EXPECT_EQ(g.lastLine(), r.lastLine());
}

TEST_F(HybridRunTest, DumpLogits) {
  std::string path = dir_.file("logits.safetensors");
  RunResult r = run(base() + " --tokens 4,0,6,1 --dump-logits " + path);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::shared_ptr<MappedSafetensors> file;
  HYB_ASSERT_OK(openSafetensors(path, &file));
  const SafetensorsTensor *t = file->file.find("logits");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->dtype, StDtype::F32);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(file->file.dataOffset % 8, 0u);
  const float *logits = reinterpret_cast<const float *>(t->data);
  MockModel ref;
  int64_t tokens[4] = {4, 0, 6, 1};
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(std::vector<float>(logits + i * 8, logits + i * 8 + 8),
              ref.step(tokens[i]));
}

TEST_F(HybridRunTest, DumpLogitsReplacesTheFileLikeSessionFiles) {
  // Through a symbolic link: the link stays, its target gets the logits.
  std::string real = dir_.file("real.safetensors");
  std::string link = dir_.file("link.safetensors");
  writeFile(real, "stale");
  ASSERT_EQ(symlink("real.safetensors", link.c_str()), 0);
  RunResult r = run(base() + " --tokens 4,0 --dump-logits " + link);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  struct stat st;
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  std::shared_ptr<MappedSafetensors> file;
  HYB_ASSERT_OK(openSafetensors(real, &file));
  EXPECT_NE(file->file.find("logits"), nullptr);
  // A FIFO is refused before anything is written (it would block, then
  // be renamed over).
  std::string fifo = dir_.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expectFailure(base() + " --tokens 4,0 --dump-logits " + fifo,
                fifo + ": is a FIFO, not a regular file; refusing to replace "
                       "it");
  ASSERT_EQ(stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  // --inputs is read the same way: refused, not blocked on.
  expectFailure(base() + " --call prefill --inputs " + fifo,
                fifo + ": is a FIFO, not a regular file");
}

TEST_F(HybridRunTest, InputTensorNamesAreEscapedInErrors) {
  // A name with a terminal escape: the error line must not carry it raw.
  std::string odd = dir_.file("odd.safetensors");
  writeFile(odd, rawSafetensors(R"({"\u001b[2J":{"dtype":"Q8","shape":[],)"
                                R"("data_offsets":[0,0]}})"));
  expectFailure(base() + " --call prefill --inputs " + odd,
                odd + ": tensor '\\x1b[2J': dtype Q8 (expected F32");
}

TEST_F(HybridRunTest, LostStdoutFailsTheRun) {
  // The tokens are the last line of stdout: writing them to a full disk is
  // an error, not exit 0.
  std::string cmd = base() + " --tokens 1,2 --generate 2 >/dev/full 2>" +
                    dir_.file("err.txt");
  int status = std::system((std::string(HYB_RUN_PATH) + " " + cmd).c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_EQ(readFile(dir_.file("err.txt")),
            "hybrid-run: error: cannot write stdout: No space left on device\n");
}

TEST_F(HybridRunTest, StateSavedByOneProcessContinuesInAnother) {
  std::string state = dir_.file("s.state");
  RunResult a = run(base() + " --tokens 1,2,3 --save-state " + state);
  ASSERT_EQ(a.exitCode, 0) << a.err;
  RunResult b = run(base() + " --load-state " + state +
                    " --tokens 4 --generate 5");
  ASSERT_EQ(b.exitCode, 0) << b.err;
  RunResult c = run(base() + " --tokens 1,2,3,4 --generate 5");
  ASSERT_EQ(c.exitCode, 0) << c.err;
  EXPECT_EQ(b.lastLine(), c.lastLine());
  // A session of another batch size cannot load it.
  expectFailure(base() + " --batch 2 --load-state " + state,
                "batch size 1 in the file, the session has 2");
}

TEST_F(HybridRunTest, Bench) {
  RunResult r = run(base() + " --bench --bench-runs 3 --bench-buffer-mb 64 "
                             "--tokens 1,2,3 --generate 2");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (const char *text :
       {"bench: prefill:", "bench: decode:", "tokens/s",
        "bench: memory read bandwidth:", "GB/s", "bench: bytes per decode "
        "token: (streamed weights 32 + 1 x state", "bench: roofline ratio:",
        "bench: greedy decode:", "bench: greedy roofline ratio:"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << " in " << r.out;
  EXPECT_EQ(r.lastLine(),
            join(apiGenerate(dir_.file("w.safetensors"), {1, 2, 3}, 2)));
}

TEST_F(HybridRunTest, BenchAgainstAnotherCompilation) {
  RunResult r = run(base() + " --bench --bench-runs 2 --tokens 1,2,3 "
                             "--bench-against " + HYB_TEST_ARTIFACT);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (const char *text :
       {"bench-against: prefill:", "median of 2 interleaved pairs",
        "bench-against: decode:", "bench-against: greedy decode:",
        "speed of ARTIFACT / speed of OTHER"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << " in " << r.out;
  // The paired mode replaces the single-artifact bench.
  EXPECT_EQ(r.out.find("bench: roofline ratio:"), std::string::npos) << r.out;
  expectFailure(base() + " --bench-against " + HYB_TEST_ARTIFACT,
                "--bench-against needs --bench");
  expectFailure(base() + " --bench --bench-against " + HYB_TEST_ARTIFACT_V1,
                "manifest version 1 is not supported");
}

TEST_F(HybridRunTest, Errors) {
#ifdef HYBRIDRT_HAVE_CUDA
  void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver) {
    // --device=cuda, and the default --device=auto on a CUDA artifact.
    expectFailure(base() + " --device=cuda", "libcuda.so.1");
    expectFailure(std::string(HYB_TEST_CUDA_ARTIFACT) + " --weights " +
                      dir_.file("w.safetensors"),
                  "cannot load the CUDA driver libcuda.so.1");
  }
#else
  expectFailure(base() + " --device=cuda", "cuda backend not built");
#endif
  expectFailure(std::string(HYB_TEST_CUDA_ARTIFACT) + " --device=cpu --weights " +
                    dir_.file("w.safetensors"),
                "artifact targets 'cuda' but the cpu backend was selected");
  expectFailure(base() + " --device=gpu",
                "--device: expected cpu, cuda or auto, got 'gpu'");
  expectFailure(std::string(HYB_TEST_ARTIFACT) + " --weights /nonexistent/w",
                "/nonexistent/w");
  std::string wrong = dir_.file("wrong.safetensors");
  writeFile(wrong, mockWeightsFile(StDtype::F32, "lm_head.bias"));
  expectFailure(std::string(HYB_TEST_ARTIFACT) + " --weights " + wrong,
                "weight 'lm_head.weight' not found");
  std::string shape = dir_.file("shape.safetensors");
  writeFile(shape, mockWeightsFile(StDtype::F32, "lm_head.weight", {7}));
  expectFailure(std::string(HYB_TEST_ARTIFACT) + " --weights " + shape,
                "has shape [7], the manifest expects [8]");
  expectFailure(std::string(HYB_TEST_ARTIFACT), "--weights PATH is required");
  expectFailure(base() + " --tokens 1,9", "token id 9");
  expectFailure(base() + " --tokens 1,x", "--tokens: 'x' at index 1");
  expectFailure(base() + " --tokens 1,2,3 --generate 15", "past max_seq 16");
  expectFailure(base() + " --generate 2", "--generate needs a prompt");
  expectFailure(base() + " --frobnicate", "unknown flag '--frobnicate'");
  expectFailure(base() + " --batch 0",
                "--batch: expected an integer in [1, 1048576], got '0'");
  expectFailure(std::string(HYB_TEST_ARTIFACT_V1) + " --weights x",
                "manifest version 1 is not supported");
  expectFailure("", "missing ARTIFACT");
}

TEST_F(HybridRunTest, IntegerFlagsOutsideTheirRangeAreRefused) {
  // Each would once have been truncated to an int32_t or wrapped in a shift.
  struct Case {
    const char *args, *flag, *range, *value;
  };
  for (Case c : {Case{"--threads", "--threads", "[1, 65536]", "2147483648"},
                 Case{"--threads", "--threads", "[1, 65536]", "4294967297"},
                 Case{"--bench --bench-buffer-mb", "--bench-buffer-mb",
                      "[1, 1048576]", "17592186044416"},
                 Case{"--tokens 1 --generate", "--generate",
                      "[1, 9223372036854775807]", "9223372036854775808"},
                 Case{"--bench-runs", "--bench-runs", "[1, 1000000]", "0"},
                 Case{"--generated-weights", "--generated-weights",
                      "[0, 9223372036854775807]", "-1"}})
    expectFailure(base() + " " + c.args + " " + c.value,
                  std::string(c.flag) + ": expected an integer in " + c.range +
                      ", got '" + c.value + "'");
}

TEST_F(HybridRunTest, GenerateNearInt64MaxIsRefusedBeforeRunning) {
  // position + T + N - 1 overflows int64 for this N: the check must not.
  RunResult r = run(base() + " --tokens 1,2,3 --generate 9223372036854775807");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "hybrid-run: error: --generate 9223372036854775807 after 3 "
                   "prompt tokens at position 0 reaches a position past "
                   "9223372036854775807, past max_seq 16\n");
  EXPECT_EQ(r.out.find("prefill:"), std::string::npos) << r.out;
  // The largest N whose last position still fits int64.
  expectFailure(base() + " --tokens 1,2,3 --generate 9223372036854775805",
                "reaches position 9223372036854775807, past max_seq 16");
  // The longest run that fits is still accepted.
  r = run(base() + " --tokens 1,2,3 --generate 14");
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST_F(HybridRunTest, GenericCall) {
  // --call prefill on [2, 3] tokens given as I32: the logits of the mock
  // model, by name in the outputs file, equal to the text API's.
  std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 6};
  writeFile(dir_.file("in.safetensors"),
            writeSafetensors({{"tokens", StDtype::I32, {2, 3}, tokens.data(),
                               tokens.size() * 4}}));
  RunResult r = run(base() + " --batch 2 --call prefill --inputs " +
                    dir_.file("in.safetensors") + " --outputs " +
                    dir_.file("out.safetensors") + " --save-state " +
                    dir_.file("s.bin"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("call: prefill at position 0, position now 3"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("output logits: f32 [2, 3, 8]"), std::string::npos)
      << r.out;
  std::string bytes = readFile(dir_.file("out.safetensors"));
  SafetensorsFile file;
  hyb_status_t st = parseSafetensors(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), "out",
      &file);
  ASSERT_EQ(st, nullptr) << hyb_status_message(st);
  const SafetensorsTensor *logits = file.find("logits");
  ASSERT_NE(logits, nullptr);
  EXPECT_EQ(logits->shape, (std::vector<int64_t>{2, 3, 8}));
  std::vector<float> got(48);
  std::memcpy(got.data(), logits->data, 48 * 4);
  for (int b = 0; b < 2; ++b) {
    MockModel ref;
    for (int t = 0; t < 3; ++t)
      EXPECT_EQ(std::vector<float>(got.begin() + (b * 3 + t) * 8,
                                   got.begin() + (b * 3 + t + 1) * 8),
                ref.step(tokens[size_t(b * 3 + t)]));
  }
  // The decode entry point from the saved state.
  std::vector<int64_t> next = {7, 0};
  writeFile(dir_.file("in1.safetensors"),
            writeSafetensors({{"tokens", StDtype::I64, {2, 1}, next.data(),
                               next.size() * 8}}));
  r = run(base() + " --batch 2 --load-state " + dir_.file("s.bin") +
          " --call decode --inputs " + dir_.file("in1.safetensors"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("call: decode at position 3, position now 4"),
            std::string::npos)
      << r.out;
  // Errors name the tensor and what was expected.
  expectFailure(base() + " --call prefill --inputs " +
                    dir_.file("in.safetensors"),
                "input 'tokens' has shape [2, 3], expected [\"B\", \"T\"] = "
                "[1, 3]");
  expectFailure(base() + " --call frame --inputs " +
                    dir_.file("in.safetensors"),
                "artifact has no 'frame' entry point");
  expectFailure(base() + " --call prefill", "--call and --inputs go together");
  expectFailure(base() + " --call prefill --inputs x --tokens 1",
                "--call does not combine with --tokens");
  expectFailure(base() + " --call prefill --inputs " + dir_.file("nope"),
                "cannot open");
}

} // namespace
