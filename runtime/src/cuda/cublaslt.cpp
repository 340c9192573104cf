//===- cublaslt.cpp - Loading libcublasLt.so.13 ---------------------------===//

#include "runtime/src/cuda/cublaslt.h"

#include <dlfcn.h>

namespace hyb {
namespace lt {

namespace {

struct Loaded {
  Library library = {};
  hyb_status_t failure = nullptr; // kept for every later caller
};

const char *resolve(void *lib, Library &l) {
  struct Entry {
    void **slot;
    const char *symbol;
  };
#define HYB_LT(field, symbol) {reinterpret_cast<void **>(&l.field), symbol}
  const Entry entries[] = {
      HYB_LT(create, "cublasLtCreate"),
      HYB_LT(destroy, "cublasLtDestroy"),
      HYB_LT(getStatusName, "cublasLtGetStatusName"),
      HYB_LT(getVersion, "cublasLtGetVersion"),
      HYB_LT(matmulDescCreate, "cublasLtMatmulDescCreate"),
      HYB_LT(matmulDescDestroy, "cublasLtMatmulDescDestroy"),
      HYB_LT(matmulDescSetAttribute, "cublasLtMatmulDescSetAttribute"),
      HYB_LT(matrixLayoutCreate, "cublasLtMatrixLayoutCreate"),
      HYB_LT(matrixLayoutDestroy, "cublasLtMatrixLayoutDestroy"),
      HYB_LT(matrixLayoutSetAttribute, "cublasLtMatrixLayoutSetAttribute"),
      HYB_LT(matmulPreferenceCreate, "cublasLtMatmulPreferenceCreate"),
      HYB_LT(matmulPreferenceDestroy, "cublasLtMatmulPreferenceDestroy"),
      HYB_LT(matmulPreferenceSetAttribute,
             "cublasLtMatmulPreferenceSetAttribute"),
      HYB_LT(matmulAlgoGetHeuristic, "cublasLtMatmulAlgoGetHeuristic"),
      HYB_LT(matmul, "cublasLtMatmul"),
  };
#undef HYB_LT
  for (const Entry &e : entries) {
    *e.slot = dlsym(lib, e.symbol);
    if (!*e.slot)
      return e.symbol;
  }
  return nullptr;
}

Loaded *loadOnce() {
  auto *loaded = new Loaded(); // lives as long as the process
  const char *name = "libcublasLt.so.13";
  std::string tried = name;
  void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  for (const char *dir : {"/usr/local/cuda/targets/x86_64-linux/lib",
                          "/usr/local/cuda/lib64"}) {
    if (lib)
      break;
    std::string path = std::string(dir) + "/" + name;
    tried += ", " + path;
    lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  }
  if (!lib) {
    loaded->failure = makeStatus(
        HYB_STATUS_UNIMPLEMENTED,
        "cuda backend: cannot load cuBLASLt (tried " + tried +
            "): install the CUDA 13 toolkit's cuBLAS or add its lib folder "
            "to LD_LIBRARY_PATH");
    return loaded;
  }
  if (const char *missing = resolve(lib, loaded->library))
    loaded->failure = makeStatus(
        HYB_STATUS_UNIMPLEMENTED,
        std::string("cuda backend: libcublasLt.so.13 has no symbol '") +
            missing + "'");
  return loaded;
}

} // namespace

hyb_status_t loadLibrary(const Library **out) {
  static Loaded *loaded = loadOnce();
  if (loaded->failure)
    return makeStatus(hyb_status_code(loaded->failure),
                      hyb_status_message(loaded->failure));
  *out = &loaded->library;
  return nullptr;
}

std::string describe(const Library &l, Status s, const char *function) {
  const char *name = l.getStatusName ? l.getStatusName(s) : nullptr;
  return std::string(function) + ": " +
         (name ? name : "cuBLAS status " + std::to_string(s));
}

} // namespace lt
} // namespace hyb
