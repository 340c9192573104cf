//===- weights.cpp - Resolving weight files and binding weights -----------===//

#include "runtime/src/weights.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <map>
#include <sys/stat.h>

namespace hyb {

using json = nlohmann::json;

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string dirName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
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
                 ": sharded index is not valid JSON: ", e.what());
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
                   it.key(), "'] must be a file name string");
    std::string shard = joinPath(dir, it.value().get<std::string>());
    auto found = shards.find(shard);
    if (found == shards.end()) {
      std::shared_ptr<MappedSafetensors> file;
      if (hyb_status_t s = openSafetensors(shard, &file))
        return annotate(s, path + ": shard of '" + it.key() + "'");
      found = shards.emplace(shard, std::move(file)).first;
      set.files.push_back(found->second);
    }
    const SafetensorsTensor *t = found->second->file.find(it.key());
    if (!t)
      return error(HYB_STATUS_NOT_FOUND, path, ": weight_map maps '", it.key(),
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

void releaseWeights(Backend &backend, WeightBinding &binding) {
  for (auto &b : binding.buffers)
    backend.release(b);
  binding = WeightBinding();
}

hyb_status_t bindWeights(const Manifest &manifest, Backend &backend,
                         const std::string &path, WeightBinding *out) {
  TensorSet set;
  HYB_RETURN_IF_ERROR(openTensorSet(path, &set));

  // Check everything first: nothing is allocated until all weights match.
  std::vector<const SafetensorsTensor *> sources;
  std::vector<std::string> missingNames;
  for (const TensorDecl &decl : manifest.weights) {
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
    const SafetensorsTensor *t = sources[i];
    hyb_dtype_t dt;
    stDtypeToDtype(t->dtype, &dt);
    DeviceBuffer buffer;
    hyb_status_t s = nullptr;
    if (dt == decl.dtype) {
      s = backend.bindHostData(t->data, t->numBytes(), dtypeSize(dt), &buffer);
      if (!s)
        (buffer.owned ? binding.copiedBytes : binding.zeroCopyBytes) +=
            t->numBytes();
    } else {
      s = backend.allocate(decl.numBytes, &buffer);
      if (!s) {
        if (void *host = backend.hostAccess(buffer)) {
          convertFloats(t->data, dt, host, decl.dtype, decl.numElements);
        } else {
          std::vector<uint8_t> tmp(decl.numBytes);
          convertFloats(t->data, dt, tmp.data(), decl.dtype, decl.numElements);
          s = backend.copyFromHost(buffer, tmp.data(), decl.numBytes);
        }
        binding.copiedBytes += decl.numBytes;
      }
    }
    if (s) {
      backend.release(buffer);
      releaseWeights(backend, binding);
      return annotate(s, "weight '" + decl.name + "'");
    }
    binding.buffers.push_back(buffer);
  }
  binding.bound = true;
  *out = std::move(binding);
  return nullptr;
}

} // namespace hyb
