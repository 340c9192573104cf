//===- weights.cpp - Resolving weight files and binding weights -----------===//

#include "runtime/src/weights.h"
#include "runtime/src/config_hash.h"
#include "runtime/src/files.h"

#include <cmath>
#include <functional>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <map>
#include <sys/stat.h>
#include <thread>

namespace hyb {

using json = nlohmann::json;

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string joinPath(const std::string &dir, const std::string &name) {
  if (!name.empty() && name[0] == '/')
    return name;
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

bool isFile(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

hyb_status_t addFile(TensorSet &set, const std::string &path) {
  std::shared_ptr<MappedSafetensors> file;
  HYB_RETURN_IF_ERROR(openSafetensors(path, &file));
  for (const auto &t : file->file.tensors) {
    auto [it, inserted] = set.byName.emplace(t.name, &t);
    if (!inserted)
      return error(HYB_STATUS_INVALID_FORMAT, "tensor '", t.name,
                   "' is in both ", set.fileOf[t.name], " and ", path);
    set.fileOf[t.name] = path;
  }
  set.files.push_back(std::move(file));
  return nullptr;
}

hyb_status_t openIndex(const std::string &path, TensorSet *out) {
  std::shared_ptr<MappedFile> map;
  HYB_RETURN_IF_ERROR(MappedFile::open(path, &map));
  json index;
  if (map->size() == 0)
    return error(HYB_STATUS_INVALID_FORMAT, path, ": sharded index is empty");
  try {
    const char *p = reinterpret_cast<const char *>(map->data());
    index = json::parse(p, p + map->size());
  } catch (const json::exception &e) {
    return error(HYB_STATUS_INVALID_FORMAT, path,
                 ": sharded index is not valid JSON: ", printable(e.what()));
  }
  if (!index.is_object() || !index.contains("weight_map") ||
      !index["weight_map"].is_object())
    return error(HYB_STATUS_INVALID_FORMAT, path,
                 ": sharded index needs an object field 'weight_map'");
  const json &weightMap = index["weight_map"];
  std::map<std::string, std::shared_ptr<MappedSafetensors>> shards;
  TensorSet set;
  set.description = path;
  std::string dir = dirName(path);
  for (auto it = weightMap.begin(); it != weightMap.end(); ++it) {
    if (!it.value().is_string())
      return error(HYB_STATUS_INVALID_FORMAT, path, ": weight_map['",
                   printable(it.key()), "'] must be a file name string");
    std::string shard = joinPath(dir, it.value().get<std::string>());
    auto found = shards.find(shard);
    if (found == shards.end()) {
      std::shared_ptr<MappedSafetensors> file;
      if (hyb_status_t s = openSafetensors(shard, &file))
        return annotate(s, path + ": shard of '" + printable(it.key()) + "'");
      found = shards.emplace(shard, std::move(file)).first;
      set.files.push_back(found->second);
    }
    const SafetensorsTensor *t = found->second->file.find(it.key());
    if (!t)
      return error(HYB_STATUS_NOT_FOUND, path, ": weight_map maps '",
                   printable(it.key()),
                   "' to ", shard, ", which has no such tensor");
    set.byName[it.key()] = t;
    set.fileOf[it.key()] = shard;
  }
  *out = std::move(set);
  return nullptr;
}

} // namespace

hyb_status_t openTensorSet(const std::string &path, TensorSet *out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return error(HYB_STATUS_NOT_FOUND, "weights path ", path,
                 " does not exist: ", std::strerror(errno));
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
    return error(HYB_STATUS_INVALID_ARGUMENT, "weights path ", path, " is ",
                 fileTypeName(st.st_mode),
                 ", not a safetensors file, sharded index or directory");
  if (S_ISDIR(st.st_mode)) {
    std::vector<std::string> indexes, files;
    DIR *dir = opendir(path.c_str());
    if (!dir)
      return error(HYB_STATUS_IO_ERROR, path, ": cannot list directory: ",
                   std::strerror(errno));
    while (dirent *e = readdir(dir)) {
      std::string name = e->d_name;
      std::string full = joinPath(path, name);
      if (endsWith(name, ".safetensors.index.json") && isFile(full))
        indexes.push_back(name);
      else if (endsWith(name, ".safetensors") && isFile(full))
        files.push_back(name);
    }
    closedir(dir);
    std::sort(indexes.begin(), indexes.end());
    std::sort(files.begin(), files.end());
    if (std::find(indexes.begin(), indexes.end(),
                  "model.safetensors.index.json") != indexes.end())
      return openIndex(joinPath(path, "model.safetensors.index.json"), out);
    if (indexes.size() == 1)
      return openIndex(joinPath(path, indexes[0]), out);
    if (indexes.size() > 1)
      return error(HYB_STATUS_INVALID_ARGUMENT, path,
                   ": several sharded indexes (", indexes[0], ", ", indexes[1],
                   ", ...); pass one of them");
    if (std::find(files.begin(), files.end(), "model.safetensors") !=
        files.end())
      files = {"model.safetensors"};
    if (files.empty())
      return error(HYB_STATUS_NOT_FOUND, path,
                   ": directory holds no .safetensors file or sharded index");
    TensorSet set;
    set.description = path;
    for (const auto &f : files)
      HYB_RETURN_IF_ERROR(addFile(set, joinPath(path, f)));
    *out = std::move(set);
    return nullptr;
  }
  if (endsWith(path, ".json"))
    return openIndex(path, out);
  TensorSet set;
  set.description = path;
  HYB_RETURN_IF_ERROR(addFile(set, path));
  *out = std::move(set);
  return nullptr;
}

hyb_status_t checkConfigHash(const Manifest &manifest, const std::string &path,
                             const std::string &artifact) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return nullptr;
  std::string config = joinPath(path, ConfigHash::kFileName);
  if (lstat(config.c_str(), &st) != 0 && errno == ENOENT)
    return nullptr;
  const char *skip = " (hybrid-run --ignore-config-hash, or "
                     "HYB_BIND_IGNORE_CONFIG_HASH, binds it anyway)";
  ConfigHash found = ConfigHash::ofBytes("", 0);
  if (hyb_status_t s = ConfigHash::ofFile(config, &found))
    return annotate(s, "weights directory " + path +
                           ": cannot check its config against " + artifact);
  std::optional<ConfigHash> want = ConfigHash::parse(manifest.configHash);
  if (!want)
    return error(HYB_STATUS_MISMATCH, "weights directory ", path, " has ",
                 ConfigHash::kFileName, " (config_hash ", found.str(), "), but ",
                 artifact, "'s manifest config_hash '",
                 printable(manifest.configHash),
                 "' is not fnv1a64:HEX, so the two cannot be compared", skip);
  if (found != *want)
    return error(HYB_STATUS_MISMATCH, "weights directory ", path,
                 " is not the model ", artifact, " was compiled from: its ",
                 ConfigHash::kFileName, " has config_hash ", found.str(),
                 ", the artifact's model '", printable(manifest.modelName),
                 "' has config_hash ", want->str(), skip);
  return nullptr;
}

void releaseWeights(Backend &backend, WeightBinding &binding) {
  for (auto &b : binding.buffers)
    backend.release(b);
  binding = WeightBinding();
}

namespace {

/// A new device buffer for |decl| whose bytes |fill| writes (decl.numBytes
/// at the pointer it is given): in place where the host can write the
/// buffer (CPU), else through a staging copy. Releases the buffer on error.
hyb_status_t allocateFilled(Backend &backend, const TensorDecl &decl,
                            const std::function<void(void *)> &fill,
                            DeviceBuffer *out) {
  DeviceBuffer buffer;
  HYB_RETURN_IF_ERROR(backend.allocate(decl.numBytes, &buffer));
  hyb_status_t s = nullptr;
  if (void *host = backend.hostAccess(buffer)) {
    fill(host);
  } else {
    std::vector<uint8_t> staging(decl.numBytes);
    fill(staging.data());
    s = backend.copyFromHost(buffer, staging.data(), decl.numBytes);
  }
  if (s) {
    backend.release(buffer);
    return s;
  }
  *out = buffer;
  return nullptr;
}

} // namespace

hyb_status_t bindWeights(const Manifest &manifest, Backend &backend,
                         const std::string &path, WeightBinding *out) {
  TensorSet set;
  HYB_RETURN_IF_ERROR(openTensorSet(path, &set));

  // Check everything first: nothing is allocated until all weights match.
  std::vector<const SafetensorsTensor *> sources;
  std::vector<std::string> missingNames;
  for (const TensorDecl &decl : manifest.weights) {
    if (!decl.parts.empty()) {
      // A packed weight: each part must exist, match the trailing dims and
      // have its rows (the manifest checked that they add up).
      for (size_t pi = 0; pi < decl.parts.size(); ++pi) {
        const std::string &part = decl.parts[pi];
        auto it = set.byName.find(part);
        if (it == set.byName.end()) {
          missingNames.push_back(part);
          continue;
        }
        const SafetensorsTensor *t = it->second;
        const std::string &file = set.fileOf[part];
        hyb_dtype_t dt;
        if (!stDtypeToDtype(t->dtype, &dt) || !isFloatDtype(dt))
          return error(HYB_STATUS_MISMATCH, "weight '", part, "' in ", file,
                       " is ", stDtypeName(t->dtype),
                       ", which cannot be packed into '", decl.name, "'");
        if (t->shape.size() != decl.shape.size() ||
            !std::equal(t->shape.begin() + 1, t->shape.end(),
                        decl.shape.begin() + 1))
          return error(HYB_STATUS_MISMATCH, "weight '", part, "' in ", file,
                       " has shape ", formatShape(t->shape),
                       ", which does not pack into '", decl.name, "' ",
                       formatShape(decl.shape));
        if (t->shape[0] != decl.partRows[pi])
          return error(HYB_STATUS_MISMATCH, "weight '", part, "' in ", file,
                       " has ", t->shape[0], " rows, '", decl.name,
                       "' packs ", decl.partRows[pi], " of it");
      }
      sources.push_back(nullptr);
      continue;
    }
    auto it = set.byName.find(decl.name);
    if (it == set.byName.end()) {
      missingNames.push_back(decl.name);
      sources.push_back(nullptr);
      continue;
    }
    const SafetensorsTensor *t = it->second;
    const std::string &file = set.fileOf[decl.name];
    if (t->shape != decl.shape)
      return error(HYB_STATUS_MISMATCH, "weight '", decl.name, "' in ", file,
                   " has shape ", formatShape(t->shape),
                   ", the manifest expects ", formatShape(decl.shape));
    hyb_dtype_t dt;
    bool known = stDtypeToDtype(t->dtype, &dt);
    if (!known || (dt != decl.dtype &&
                   !(isFloatDtype(dt) && isFloatDtype(decl.dtype))))
      return error(HYB_STATUS_MISMATCH, "weight '", decl.name, "' in ", file,
                   " is ", stDtypeName(t->dtype),
                   ", which cannot be converted to the manifest dtype ",
                   dtypeName(decl.dtype),
                   " (only F32, BF16 and F16 convert)");
    sources.push_back(t);
  }
  if (!missingNames.empty()) {
    std::string more;
    if (missingNames.size() > 1)
      more = " (and " + std::to_string(missingNames.size() - 1) +
             " more missing weights)";
    return error(HYB_STATUS_NOT_FOUND, "weight '", missingNames[0],
                 "' not found in ", set.description, more);
  }

  WeightBinding binding;
  binding.files = set.files;
  for (size_t i = 0; i < manifest.weights.size(); ++i) {
    const TensorDecl &decl = manifest.weights[i];
    DeviceBuffer buffer;
    hyb_status_t s = nullptr;
    if (!decl.parts.empty()) {
      // Packed once, here: the parts' rows one after the other.
      s = allocateFilled(backend, decl, [&](void *dst) {
        auto *bytes = static_cast<uint8_t *>(dst);
        for (const std::string &part : decl.parts) {
          const SafetensorsTensor *t = set.byName[part];
          hyb_dtype_t dt;
          stDtypeToDtype(t->dtype, &dt);
          uint64_t elements = t->numBytes() / dtypeSize(dt);
          convertFloats(t->data, dt, bytes, decl.dtype, elements);
          bytes += elements * dtypeSize(decl.dtype);
        }
      }, &buffer);
      if (!s)
        binding.copiedBytes += decl.numBytes;
    } else {
      const SafetensorsTensor *t = sources[i];
      hyb_dtype_t dt;
      stDtypeToDtype(t->dtype, &dt);
      if (dt == decl.dtype) {
        s = backend.bindHostData(t->data, t->numBytes(), dtypeSize(dt),
                                 &buffer);
        if (!s)
          (buffer.owned ? binding.copiedBytes : binding.zeroCopyBytes) +=
              t->numBytes();
      } else {
        s = allocateFilled(backend, decl, [&](void *dst) {
          convertFloats(t->data, dt, dst, decl.dtype, decl.numElements);
        }, &buffer);
        if (!s)
          binding.copiedBytes += decl.numBytes;
      }
    }
    if (s) {
      releaseWeights(backend, binding);
      return annotate(s, "weight '" + decl.name + "'");
    }
    binding.buffers.push_back(buffer);
  }
  binding.bound = true;
  *out = std::move(binding);
  return nullptr;
}

namespace {

/// splitmix64: a tiny, portable, seedable generator. Its state advances by
/// a constant, so the generator of element i starts at state + i * gamma:
/// any range of a weight can be generated on its own.
struct SplitMix {
  static constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += kGamma);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double unit() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
};

/// How a weight's values follow from uniform draws, chosen once by its name
/// (checkpoint conventions) rather than for each of its elements.
enum class ValueKind { ALog, Ones, DtBias, Norm, Bias, Embedding, Linear };

ValueKind valueKindOf(const std::string &n) {
  if (endsWith(n, "A_log"))
    return ValueKind::ALog;
  if (endsWith(n, ".D"))
    return ValueKind::Ones;
  if (endsWith(n, "dt_bias") || endsWith(n, "dt_proj.bias"))
    return ValueKind::DtBias;
  if (n.find("norm") != std::string::npos && endsWith(n, "weight"))
    return ValueKind::Norm;
  if (endsWith(n, "bias"))
    return ValueKind::Bias;
  if (n.find("embed") != std::string::npos)
    return ValueKind::Embedding;
  return ValueKind::Linear;
}

void generateRange(ValueKind kind, double linearScale, SplitMix rng,
                   float *values, uint64_t count) {
  for (float *end = values + count; values != end; ++values) {
    double u = rng.unit();
    double v;
    switch (kind) {
    case ValueKind::ALog:
      v = std::log(1.0 + 15.0 * u);
      break;
    case ValueKind::Ones:
      v = 1.0;
      break;
    case ValueKind::DtBias: {
      double dt =
          std::exp(std::log(1e-3) + u * (std::log(1e-1) - std::log(1e-3)));
      v = dt + std::log(-std::expm1(-dt)); // softplus⁻¹
      break;
    }
    case ValueKind::Norm:
      v = 1.0 + 0.1 * (2 * u - 1);
      break;
    case ValueKind::Bias:
      v = 0.02 * (2 * u - 1);
      break;
    case ValueKind::Embedding:
      v = 0.05 * std::sqrt(3.0) * (2 * u - 1);
      break;
    case ValueKind::Linear:
      v = linearScale * (2 * u - 1);
      break;
    }
    *values = static_cast<float>(v);
  }
}

/// decl.numElements values of one weight into |values|, the same whatever
/// the number of threads that generate them (a 1B-parameter model's weights
/// take a minute on one core).
void generateValues(const TensorDecl &decl, uint64_t seed, float *values) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : decl.name)
    h = (h ^ c) * 1099511628211ull;
  const uint64_t state = seed ^ h;
  const ValueKind kind = valueKindOf(decl.name);
  const int64_t fanIn = decl.shape.empty() ? 1 : decl.shape.back();
  const double linearScale = std::sqrt(3.0 / double(fanIn));
  const uint64_t n = decl.numElements;
  constexpr uint64_t kMinPerThread = 1 << 20;
  const uint64_t threads = std::clamp<uint64_t>(
      n / kMinPerThread, 1, std::max(1u, std::thread::hardware_concurrency()));
  if (threads == 1) {
    generateRange(kind, linearScale, SplitMix{state}, values, n);
    return;
  }
  std::vector<std::thread> pool;
  const uint64_t per = (n + threads - 1) / threads;
  for (uint64_t t = 0; t < threads; ++t) {
    const uint64_t begin = std::min(n, t * per), count = std::min(n, begin + per) - begin;
    pool.emplace_back(generateRange, kind, linearScale,
                      SplitMix{state + begin * SplitMix::kGamma},
                      values + begin, count);
  }
  for (std::thread &t : pool)
    t.join();
}

} // namespace

hyb_status_t generateWeights(const Manifest &manifest, Backend &backend,
                             uint64_t seed, WeightBinding *out) {
  WeightBinding binding;
  std::vector<float> values;
  for (const TensorDecl &decl : manifest.weights) {
    if (!isFloatDtype(decl.dtype)) {
      releaseWeights(backend, binding);
      return error(HYB_STATUS_INVALID_ARGUMENT, "weight '", decl.name,
                   "' has dtype ", dtypeName(decl.dtype),
                   ", which cannot be generated");
    }
    values.resize(decl.numElements);
    if (decl.parts.empty()) {
      generateValues(decl, seed, values.data());
    } else {
      // Each part as if it were bound alone, so a model's generated weights
      // do not depend on whether the compiler packed them.
      float *next = values.data();
      for (size_t i = 0; i < decl.parts.size(); ++i) {
        TensorDecl part = decl;
        part.name = decl.parts[i];
        part.shape[0] = decl.partRows[i];
        part.numElements = decl.numElements / uint64_t(decl.shape[0]) *
                           uint64_t(decl.partRows[i]);
        generateValues(part, seed, next);
        next += part.numElements;
      }
    }
    DeviceBuffer buffer;
    if (hyb_status_t s = allocateFilled(backend, decl, [&](void *dst) {
          convertFloats(values.data(), HYB_DTYPE_F32, dst, decl.dtype,
                        decl.numElements);
        }, &buffer)) {
      releaseWeights(backend, binding);
      return annotate(s, "weight '" + decl.name + "'");
    }
    binding.copiedBytes += decl.numBytes;
    binding.buffers.push_back(buffer);
  }
  binding.bound = true;
  *out = std::move(binding);
  return nullptr;
}

} // namespace hyb
