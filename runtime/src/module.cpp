//===- module.cpp - Loading artifacts and binding weights -----------------===//

#include "runtime/src/module.h"
#include "runtime/src/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <unistd.h>
#include <vector>

using namespace hyb;

const EntryPointDecl *hyb_module_t::entryPoint(const std::string &name,
                                               EntryFn *fn) const {
  for (size_t i = 0; i < manifest.entryPoints.size(); ++i)
    if (manifest.entryPoints[i].name == name) {
      if (fn)
        *fn = entryFns[i];
      return &manifest.entryPoints[i];
    }
  return nullptr;
}

namespace {

hyb_status_t tensorInfo(const TensorDecl &decl, hyb_tensor_info_t *out) {
  hyb_tensor_info_t info = {};
  info.name = decl.name.c_str();
  info.dtype = decl.dtype;
  info.rank = int32_t(decl.shape.size());
  for (size_t i = 0; i < decl.shape.size() && i < HYB_MAX_RANK; ++i)
    info.shape[i] = decl.shape[i];
  info.layer = decl.layer;
  info.size_bytes = decl.numBytes;
  *out = info;
  return nullptr;
}

/// Whether bytes [offset, offset + length) lie inside a file of |size|.
bool insideFile(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

/// Refuses an artifact that dlopen would crash on: dlopen maps the file's
/// segments, and reading a page past the end of a truncated file (an
/// interrupted copy) is SIGBUS, not an error. So the ELF header, the program
/// headers, every PT_LOAD segment's bytes and the section header table must
/// lie inside the file. Files that are not 64-bit ELF of this byte order are
/// left to dlopen, which reads their header without mapping and says why.
hyb_status_t checkArtifactFile(const std::string &path) {
  int fd;
  uint64_t size;
  HYB_RETURN_IF_ERROR(openRegularFile(path, &fd, &size));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  auto truncated = [&](const auto &...parts) {
    return error(HYB_STATUS_INVALID_FORMAT, path,
                 ": truncated artifact (interrupted copy?): the file has ",
                 size, " bytes, but ", parts...);
  };
  auto readAt = [&](void *out, size_t bytes, uint64_t offset) {
    return ::pread(fd, out, bytes, off_t(offset)) == ssize_t(bytes);
  };
  Elf64_Ehdr header;
  if (size < SELFMAG)
    return truncated("an ELF file starts with a ", SELFMAG, "-byte magic");
  if (!readAt(header.e_ident, SELFMAG, 0))
    return error(HYB_STATUS_IO_ERROR, path, ": cannot read: ",
                 std::strerror(errno));
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
    return nullptr;
  if (size < sizeof(header))
    return truncated("the ELF header needs ", sizeof(header));
  if (!readAt(&header, sizeof(header), 0))
    return error(HYB_STATUS_IO_ERROR, path, ": cannot read: ",
                 std::strerror(errno));
  const unsigned char hostData =
      __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
  if (header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != hostData)
    return nullptr;
  if (header.e_phnum > 0 && header.e_phentsize != sizeof(Elf64_Phdr))
    return error(HYB_STATUS_INVALID_FORMAT, path, ": program headers of ",
                 header.e_phentsize, " bytes, ELF64 has ",
                 sizeof(Elf64_Phdr));
  uint64_t phBytes = uint64_t(header.e_phnum) * sizeof(Elf64_Phdr);
  if (!insideFile(header.e_phoff, phBytes, size))
    return truncated("its ", header.e_phnum, " program headers take ",
                     phBytes, " bytes from byte ", header.e_phoff);
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  if (phBytes && !readAt(segments.data(), size_t(phBytes), header.e_phoff))
    return error(HYB_STATUS_IO_ERROR, path, ": cannot read: ",
                 std::strerror(errno));
  for (size_t i = 0; i < segments.size(); ++i) {
    const Elf64_Phdr &segment = segments[i];
    if (segment.p_type == PT_LOAD &&
        !insideFile(segment.p_offset, segment.p_filesz, size))
      return truncated("PT_LOAD segment ", i, " takes ", segment.p_filesz,
                       " bytes from byte ", segment.p_offset);
  }
  uint64_t shBytes = uint64_t(header.e_shnum) * header.e_shentsize;
  if (header.e_shoff != 0 && !insideFile(header.e_shoff, shBytes, size))
    return truncated("its section header table takes ", shBytes,
                     " bytes from byte ", header.e_shoff);
  return nullptr;
}

/// A CUDA artifact's cubin and PTX (hybrid_cuda_cubin, hybrid_cuda_ptx)
/// to the backend, with the manifest's kernels.
hyb_status_t loadDeviceCode(hyb_module_t &module) {
  using CubinFn = const void *(*)(uint64_t *);
  using PtxFn = const char *(*)();
  auto cubinFn =
      reinterpret_cast<CubinFn>(dlsym(module.handle, "hybrid_cuda_cubin"));
  auto ptxFn = reinterpret_cast<PtxFn>(dlsym(module.handle, "hybrid_cuda_ptx"));
  if (!cubinFn && !ptxFn)
    return error(HYB_STATUS_NOT_FOUND,
                 "a cuda artifact must export 'hybrid_cuda_cubin' or "
                 "'hybrid_cuda_ptx'; it has neither");
  DeviceCode code;
  if (cubinFn)
    code.cubin = cubinFn(&code.cubinBytes);
  if (ptxFn)
    code.ptx = ptxFn();
  code.arch = module.manifest.targetArch;
  code.kernels = module.manifest.targetKernels;
  code.kernelsWaitForPriorGrid = module.manifest.targetKernelsWaitForPriorGrid;
  return module.backend->loadDeviceCode(code);
}

} // namespace

extern "C" {

void hyb_module_options_init(hyb_module_options_t *out_options) {
  if (!out_options)
    return;
  out_options->device = HYB_DEVICE_CPU;
  out_options->num_threads = 0;
}

hyb_status_t hyb_module_load_with_options(const char *artifact_path,
                                          const hyb_module_options_t *options,
                                          hyb_module_t **out_module) {
  HYB_API_BEGIN
  if (!artifact_path || !out_module)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_module_load: artifact_path and out_module must not be "
                 "NULL");
  hyb_module_options_t defaults;
  hyb_module_options_init(&defaults);
  if (!options)
    options = &defaults;
  std::string path = artifact_path;

  auto module = std::make_unique<hyb_module_t>();
  module->artifactPath = path;
  // RTLD_NODELETE: an artifact may start OpenMP threads; keep its code mapped
  // after dlclose so that they never run unmapped code.
  // A bare file name would make dlopen search the library path: an artifact
  // path is always a file path.
  std::string openPath = path.find('/') == std::string::npos ? "./" + path : path;
  HYB_RETURN_IF_ERROR(checkArtifactFile(openPath));
  module->handle =
      dlopen(openPath.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!module->handle) {
    const char *why = dlerror();
    return error(HYB_STATUS_NOT_FOUND, path, ": cannot load artifact: ",
                 why ? why : "dlopen failed");
  }
  struct HandleCloser {
    hyb_module_t *m;
    ~HandleCloser() {
      if (m && m->handle)
        dlclose(m->handle);
    }
  } closer{module.get()};

  using ManifestFn = const char *(*)();
  auto manifestFn = reinterpret_cast<ManifestFn>(
      dlsym(module->handle, "hybrid_artifact_manifest"));
  if (!manifestFn)
    return error(HYB_STATUS_NOT_FOUND, path,
                 ": not a hybridc artifact: no symbol "
                 "'hybrid_artifact_manifest'");
  const char *text = manifestFn();
  if (!text)
    return error(HYB_STATUS_INVALID_FORMAT, path,
                 ": hybrid_artifact_manifest() returned NULL");
  if (hyb_status_t s = parseManifest(text, &module->manifest))
    return annotate(s, path);
  const Manifest &m = module->manifest;

  for (const EntryPointDecl &e : m.entryPoints) {
    dlerror();
    void *sym = dlsym(module->handle, e.symbol.c_str());
    if (!sym)
      return error(HYB_STATUS_NOT_FOUND, path, ": entry point '", e.name,
                   "': symbol '", e.symbol, "' is not exported");
    module->entryFns.push_back(reinterpret_cast<EntryFn>(sym));
  }
  for (const TensorDecl &w : m.weights) {
    module->weightBytes += w.numBytes;
    if (!w.gathered)
      module->streamedBytes += w.numBytes;
  }

  hyb_device_t device = options->device;
  if (device == HYB_DEVICE_AUTO)
    device = m.targetKind == "cuda" ? HYB_DEVICE_CUDA : HYB_DEVICE_CPU;
  const char *wanted = device == HYB_DEVICE_CUDA ? "cuda" : "cpu";
  BackendOptions backendOptions;
  backendOptions.numThreads = options->num_threads;
  backendOptions.artifactHandle = module->handle;
  HYB_RETURN_IF_ERROR(createBackend(device, backendOptions, &module->backend));
  if (m.targetKind != wanted)
    return error(HYB_STATUS_MISMATCH, path, ": artifact targets '",
                 m.targetKind, "' but the ", wanted,
                 " backend was selected");
  if (device == HYB_DEVICE_CUDA)
    HYB_RETURN_IF_ERROR(annotate(loadDeviceCode(*module), path));
  module->weights.bound = m.weights.empty();
  closer.m = nullptr;
  *out_module = module.release();
  return nullptr;
  HYB_API_END
}

hyb_status_t hyb_module_load(const char *artifact_path,
                             hyb_module_t **out_module) {
  return hyb_module_load_with_options(artifact_path, nullptr, out_module);
}

hyb_status_t hyb_module_bind_weights(hyb_module_t *module, const char *path) {
  return hyb_module_bind_weights_with_flags(module, path, HYB_BIND_DEFAULT);
}

hyb_status_t hyb_module_bind_weights_with_flags(hyb_module_t *module,
                                                const char *path,
                                                uint32_t flags) {
  HYB_API_BEGIN
  if (!module || !path)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_module_bind_weights: module and path must not be NULL");
  if (flags & ~uint32_t(HYB_BIND_IGNORE_CONFIG_HASH))
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_module_bind_weights: unknown flags ",
                 flags & ~uint32_t(HYB_BIND_IGNORE_CONFIG_HASH));
  if (!(flags & HYB_BIND_IGNORE_CONFIG_HASH))
    HYB_RETURN_IF_ERROR(
        checkConfigHash(module->manifest, path, module->artifactPath));
  WeightBinding binding;
  HYB_RETURN_IF_ERROR(
      bindWeights(module->manifest, *module->backend, path, &binding));
  releaseWeights(*module->backend, module->weights);
  module->weights = std::move(binding);
  return nullptr;
  HYB_API_END
}

hyb_status_t hyb_module_generate_weights(hyb_module_t *module, uint64_t seed) {
  HYB_API_BEGIN
  if (!module)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_module_generate_weights: module must not be NULL");
  WeightBinding binding;
  HYB_RETURN_IF_ERROR(
      generateWeights(module->manifest, *module->backend, seed, &binding));
  releaseWeights(*module->backend, module->weights);
  module->weights = std::move(binding);
  return nullptr;
  HYB_API_END
}

int hyb_module_weights_bound(const hyb_module_t *module) {
  return module && module->weights.bound ? 1 : 0;
}

uint64_t hyb_module_weight_bytes(const hyb_module_t *module) {
  return module ? module->weightBytes : 0;
}

uint64_t hyb_module_streamed_weight_bytes(const hyb_module_t *module) {
  return module ? module->streamedBytes : 0;
}

double hyb_module_frame_rate(const hyb_module_t *module) {
  return module ? module->manifest.frameRate : 0;
}

int64_t hyb_module_vocab_size(const hyb_module_t *module) {
  return module ? module->manifest.vocabSize : 0;
}

int64_t hyb_module_max_seq(const hyb_module_t *module) {
  return module ? module->manifest.maxSeq : 0;
}

const char *hyb_module_model_name(const hyb_module_t *module) {
  return module ? module->manifest.modelName.c_str() : "";
}

const char *hyb_module_config_hash(const hyb_module_t *module) {
  return module ? module->manifest.configHash.c_str() : "";
}

const char *hyb_module_target_kind(const hyb_module_t *module) {
  return module ? module->manifest.targetKind.c_str() : "";
}

const char *hyb_module_manifest_json(const hyb_module_t *module) {
  return module ? module->manifest.text.c_str() : "";
}

int hyb_module_has_entry_point(const hyb_module_t *module, const char *name) {
  return module && name && module->entryPoint(name, nullptr) ? 1 : 0;
}

int64_t hyb_module_io_count(const hyb_module_t *module,
                            const char *entry_point) {
  const EntryPointDecl *e =
      module && entry_point ? module->entryPoint(entry_point, nullptr)
                            : nullptr;
  return e ? int64_t(e->io.size()) : -1;
}

hyb_status_t hyb_module_io_info(const hyb_module_t *module,
                                const char *entry_point, int64_t index,
                                hyb_io_info_t *out_info) {
  if (!module || !entry_point || !out_info)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_module_io_info: NULL argument");
  const EntryPointDecl *e = module->entryPoint(entry_point, nullptr);
  if (!e)
    return error(HYB_STATUS_NOT_FOUND, module->artifactPath,
                 ": artifact has no '", entry_point, "' entry point");
  if (index < 0 || index >= int64_t(e->io.size()))
    return error(HYB_STATUS_OUT_OF_RANGE, "entry point '", entry_point,
                 "': input/output index ", index, " is outside [0, ",
                 e->io.size(), ")");
  const ArgDecl &arg = e->args[e->io[size_t(index)]];
  hyb_io_info_t info = {};
  info.name = arg.name.c_str();
  info.role = argRoleName(arg.role);
  info.is_output = arg.isOutput ? 1 : 0;
  info.dtype = arg.dtype;
  info.rank = int32_t(arg.shape.size());
  for (size_t i = 0; i < arg.shape.size(); ++i)
    info.shape[i] = arg.shape[i].kind == Dim::Batch    ? HYB_DIM_B
                    : arg.shape[i].kind == Dim::Tokens ? HYB_DIM_T
                                                       : arg.shape[i].value;
  *out_info = info;
  return nullptr;
}

int64_t hyb_module_weight_count(const hyb_module_t *module) {
  return module ? int64_t(module->manifest.weights.size()) : 0;
}

hyb_status_t hyb_module_weight_info(const hyb_module_t *module, int64_t index,
                                    hyb_tensor_info_t *out_info) {
  if (!module || !out_info)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_module_weight_info: NULL argument");
  if (index < 0 || index >= int64_t(module->manifest.weights.size()))
    return error(HYB_STATUS_OUT_OF_RANGE, "weight index ", index,
                 " is outside [0, ", module->manifest.weights.size(), ")");
  return tensorInfo(module->manifest.weights[size_t(index)], out_info);
}

int64_t hyb_module_state_count(const hyb_module_t *module) {
  return module ? int64_t(module->manifest.state.size()) : 0;
}

hyb_status_t hyb_module_state_info(const hyb_module_t *module, int64_t index,
                                   hyb_tensor_info_t *out_info) {
  if (!module || !out_info)
    return error(HYB_STATUS_INVALID_ARGUMENT,
                 "hyb_module_state_info: NULL argument");
  if (index < 0 || index >= int64_t(module->manifest.state.size()))
    return error(HYB_STATUS_OUT_OF_RANGE, "state index ", index,
                 " is outside [0, ", module->manifest.state.size(), ")");
  return tensorInfo(module->manifest.state[size_t(index)], out_info);
}

void hyb_module_free(hyb_module_t *module) {
  if (!module)
    return;
  if (int64_t live = module->liveSessions.load()) {
    std::fprintf(stderr,
                 "hybridrt: hyb_module_free(%s) with %lld live sessions; the "
                 "module is leaked (free sessions first)\n",
                 module->artifactPath.c_str(), static_cast<long long>(live));
    return;
  }
  releaseWeights(*module->backend, module->weights);
  module->backend.reset();
  if (module->handle)
    dlclose(module->handle);
  delete module;
}

const char *hyb_dtype_name(hyb_dtype_t dtype) { return dtypeName(dtype); }
size_t hyb_dtype_size(hyb_dtype_t dtype) { return dtypeSize(dtype); }

} // extern "C"
