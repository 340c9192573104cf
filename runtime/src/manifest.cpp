//===- manifest.cpp - Parsing and validating the artifact manifest --------===//

#include "runtime/src/json_describe.h"
#include "runtime/src/manifest.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <set>

namespace hyb {

using json = nlohmann::json;

const char *argRoleName(ArgRole role) {
  switch (role) {
  case ArgRole::Weight: return "weight";
  case ArgRole::State: return "state";
  case ArgRole::Tokens: return "tokens";
  case ArgRole::Position: return "position";
  case ArgRole::Logits: return "logits";
  case ArgRole::NextToken: return "next_token";
  case ArgRole::Embeds: return "embeds";
  case ArgRole::DepthTokens: return "depth_tokens";
  case ArgRole::AudioLogits: return "audio_logits";
  }
  return "?";
}

const ArgDecl *EntryPointDecl::findIO(const std::string &n) const {
  for (size_t i : io)
    if (args[i].name == n)
      return &args[i];
  return nullptr;
}

std::string formatDims(const std::vector<Dim> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      s += ", ";
    s += dims[i].kind == Dim::Batch    ? std::string("\"B\"")
         : dims[i].kind == Dim::Tokens ? std::string("\"T\"")
                                       : std::to_string(dims[i].value);
  }
  return s + "]";
}

const EntryPointDecl *Manifest::findEntryPoint(const std::string &name) const {
  for (const auto &e : entryPoints)
    if (e.name == name)
      return &e;
  return nullptr;
}

namespace {

std::string describe(const json &v) { return describeJson(v, 60); }


hyb_status_t fieldError(const std::string &path, const std::string &expected,
                        const json &got) {
  return error(HYB_STATUS_INVALID_FORMAT, "manifest field '", path,
               "': expected ", expected, ", got ", describe(got));
}

hyb_status_t missing(const std::string &path) {
  return error(HYB_STATUS_INVALID_FORMAT, "manifest: missing field '", path,
               "'");
}

std::string join(const std::string &path, const std::string &key) {
  return path.empty() ? key : path + "." + key;
}

/// Looks up |key| in |obj| (an object). |*out| is null if absent.
hyb_status_t lookup(const json &obj, const std::string &path, const char *key,
                    bool required, const json **out) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    *out = nullptr;
    return required ? missing(join(path, key)) : nullptr;
  }
  *out = &*it;
  return nullptr;
}

hyb_status_t getString(const json &obj, const std::string &path,
                       const char *key, bool required, std::string *out) {
  const json *v;
  HYB_RETURN_IF_ERROR(lookup(obj, path, key, required, &v));
  if (!v)
    return nullptr;
  if (!v->is_string())
    return fieldError(join(path, key), "a string", *v);
  *out = v->get<std::string>();
  return nullptr;
}

hyb_status_t getInt(const json &obj, const std::string &path, const char *key,
                    bool required, int64_t minValue, int64_t *out) {
  const json *v;
  HYB_RETURN_IF_ERROR(lookup(obj, path, key, required, &v));
  if (!v)
    return nullptr;
  std::string expected = "an integer >= " + std::to_string(minValue);
  if (!v->is_number_integer())
    return fieldError(join(path, key), expected, *v);
  if (v->is_number_unsigned() &&
      v->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
    return fieldError(join(path, key), expected, *v);
  int64_t i = v->get<int64_t>();
  if (i < minValue)
    return fieldError(join(path, key), expected, *v);
  *out = i;
  return nullptr;
}

hyb_status_t getDtype(const json &obj, const std::string &path, bool required,
                      bool *present, hyb_dtype_t *out) {
  std::string text;
  const json *v;
  HYB_RETURN_IF_ERROR(lookup(obj, path, "dtype", required, &v));
  *present = v != nullptr;
  if (!v)
    return nullptr;
  HYB_RETURN_IF_ERROR(getString(obj, path, "dtype", true, &text));
  if (!parseDtype(text, out))
    return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                 join(path, "dtype"), "': unknown dtype '", text,
                 "' (expected f32, bf16, f16, i64 or i32)");
  return nullptr;
}

/// A tensor declaration of `weights` or `state`.
hyb_status_t parseTensorDecl(const json &v, const std::string &path,
                             bool isState, TensorDecl *out) {
  if (!v.is_object())
    return fieldError(path, "an object", v);
  HYB_RETURN_IF_ERROR(getString(v, path, "name", true, &out->name));
  if (out->name.empty())
    return fieldError(join(path, "name"), "a non-empty string", v["name"]);
  bool present;
  HYB_RETURN_IF_ERROR(getDtype(v, path, true, &present, &out->dtype));
  const json *shape;
  HYB_RETURN_IF_ERROR(lookup(v, path, "shape", true, &shape));
  if (!shape->is_array())
    return fieldError(join(path, "shape"), "an array of integers", *shape);
  if (shape->size() > HYB_MAX_RANK)
    return fieldError(join(path, "shape"),
                      "at most " + std::to_string(HYB_MAX_RANK) + " dims",
                      *shape);
  uint64_t numel = 1;
  for (size_t i = 0; i < shape->size(); ++i) {
    const json &d = (*shape)[i];
    std::string dpath = join(path, "shape") + "[" + std::to_string(i) + "]";
    if (!d.is_number_integer() ||
        (d.is_number_unsigned() &&
         d.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) ||
        d.get<int64_t>() < 0)
      return fieldError(dpath, "a non-negative integer", d);
    int64_t dim = d.get<int64_t>();
    out->shape.push_back(dim);
    if (__builtin_mul_overflow(numel, uint64_t(dim), &numel))
      return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                   join(path, "shape"), "': ", formatShape(out->shape),
                   " overflows");
  }
  out->numElements = numel;
  if (__builtin_mul_overflow(numel, uint64_t(dtypeSize(out->dtype)),
                             &out->numBytes) ||
      out->numBytes > uint64_t(std::numeric_limits<int64_t>::max()))
    return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                 join(path, "shape"), "': ", formatShape(out->shape),
                 " overflows");
  if (isState) {
    HYB_RETURN_IF_ERROR(getInt(v, path, "layer", false, -1, &out->layer));
    HYB_RETURN_IF_ERROR(getString(v, path, "kind", true, &out->kind));
    if (out->kind.empty())
      return fieldError(join(path, "kind"), "a non-empty string", v["kind"]);
    HYB_RETURN_IF_ERROR(getString(v, path, "scope", true, &out->scope));
    if (out->scope != "sequence" && out->scope != "frame")
      return fieldError(join(path, "scope"), "\"sequence\" or \"frame\"",
                        v["scope"]);
  }
  if (!isState && v.contains("access")) {
    const json &access = v["access"];
    if (!access.is_string() ||
        (access != "stream" && access != "gather"))
      return fieldError(join(path, "access"), "\"stream\" or \"gather\"",
                        access);
    out->gathered = access == "gather";
  }
  if (!isState && v.contains("parts")) {
    const json &parts = v["parts"];
    if (!parts.is_array() || parts.size() < 2 || out->shape.empty())
      return fieldError(join(path, "parts"),
                        "an array of at least 2 tensor names (for a weight of "
                        "rank >= 1)",
                        parts);
    for (size_t i = 0; i < parts.size(); ++i) {
      if (!parts[i].is_string() || parts[i].get<std::string>().empty())
        return fieldError(join(path, "parts") + "[" + std::to_string(i) + "]",
                          "a non-empty string", parts[i]);
      out->parts.push_back(parts[i].get<std::string>());
    }
    const json *rows;
    HYB_RETURN_IF_ERROR(lookup(v, path, "part_rows", true, &rows));
    int64_t total = 0;
    if (!rows->is_array() || rows->size() != parts.size())
      return fieldError(join(path, "part_rows"),
                        "one row count per part (" +
                            std::to_string(parts.size()) + ")",
                        *rows);
    for (size_t i = 0; i < rows->size(); ++i) {
      const json &r = (*rows)[i];
      if (!r.is_number_integer() || r.get<int64_t>() <= 0 ||
          r.get<int64_t>() > out->shape[0])
        return fieldError(join(path, "part_rows") + "[" + std::to_string(i) +
                              "]",
                          "a positive row count", r);
      out->partRows.push_back(r.get<int64_t>());
      total += out->partRows.back();
    }
    if (total != out->shape[0])
      return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                   join(path, "part_rows"), "': rows sum to ", total,
                   ", the weight has ", out->shape[0]);
  }
  return nullptr;
}

/// Parses an argument's "shape" (dims "B", "T" or integers).
hyb_status_t parseDims(const json &v, const std::string &path,
                       std::vector<Dim> *out) {
  if (!v.is_array())
    return fieldError(path, "an array of \"B\", \"T\" or integers", v);
  for (size_t i = 0; i < v.size(); ++i) {
    const json &d = v[i];
    std::string dpath = path + "[" + std::to_string(i) + "]";
    if (d.is_string() && d.get<std::string>() == "B")
      out->push_back({Dim::Batch, 0});
    else if (d.is_string() && d.get<std::string>() == "T")
      out->push_back({Dim::Tokens, 0});
    else if (d.is_number_integer() && !d.is_number_unsigned() &&
             d.get<int64_t>() >= 0)
      out->push_back({Dim::Fixed, d.get<int64_t>()});
    else if (d.is_number_unsigned() &&
             d.get<uint64_t>() <=
                 uint64_t(std::numeric_limits<int64_t>::max()))
      out->push_back({Dim::Fixed, int64_t(d.get<uint64_t>())});
    else
      return fieldError(dpath, "\"B\", \"T\" or a non-negative integer", d);
  }
  return nullptr;
}

struct EntryContext {
  const Manifest &m;
  EntryPointDecl &entry;
  std::string path;
};

bool sameDim(const Dim &a, const Dim &b) {
  return a.kind == b.kind && (a.kind != Dim::Fixed || a.value == b.value);
}

hyb_status_t parseArg(EntryContext &ctx, const json &v, const std::string &path,
                      ArgDecl *out) {
  if (!v.is_object())
    return fieldError(path, "an object", v);
  std::string role;
  HYB_RETURN_IF_ERROR(getString(v, path, "role", true, &role));
  static const std::pair<const char *, ArgRole> kRoles[] = {
      {"weight", ArgRole::Weight},     {"state", ArgRole::State},
      {"tokens", ArgRole::Tokens},     {"position", ArgRole::Position},
      {"logits", ArgRole::Logits},     {"next_token", ArgRole::NextToken},
      {"embeds", ArgRole::Embeds},     {"depth_tokens", ArgRole::DepthTokens},
      {"audio_logits", ArgRole::AudioLogits}};
  bool known = false;
  for (const auto &r : kRoles)
    if (role == r.first) {
      out->role = r.second;
      known = true;
    }
  if (!known)
    return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                 join(path, "role"), "': unknown role '", role,
                 "' (expected weight, state, tokens, position, logits, "
                 "next_token, embeds, depth_tokens or audio_logits)");

  bool hasDtype;
  hyb_dtype_t dtype;
  const json *shapeJson;
  HYB_RETURN_IF_ERROR(lookup(v, path, "shape", false, &shapeJson));
  std::vector<Dim> dims;
  if (shapeJson)
    HYB_RETURN_IF_ERROR(parseDims(*shapeJson, join(path, "shape"), &dims));
  if (dims.size() > HYB_MAX_RANK)
    return fieldError(join(path, "shape"),
                      "at most " + std::to_string(HYB_MAX_RANK) + " dims",
                      *shapeJson);

  if (out->role == ArgRole::Weight || out->role == ArgRole::State) {
    bool isState = out->role == ArgRole::State;
    std::string name;
    HYB_RETURN_IF_ERROR(getString(v, path, "name", true, &name));
    const auto &decls = isState ? ctx.m.state : ctx.m.weights;
    size_t index = decls.size();
    for (size_t i = 0; i < decls.size(); ++i)
      if (decls[i].name == name)
        index = i;
    if (index == decls.size())
      return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                   join(path, "name"), "': '", printable(name),
                   "' is not listed in '",
                   isState ? "state" : "weights", "'");
    out->tensorIndex = index;
    const TensorDecl &decl = decls[index];
    HYB_RETURN_IF_ERROR(getDtype(v, path, false, &hasDtype, &dtype));
    if (hasDtype && dtype != decl.dtype)
      return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                   join(path, "dtype"), "': ", dtypeName(dtype), " but '",
                   name, "' is declared ", dtypeName(decl.dtype));
    out->dtype = decl.dtype;
    std::vector<Dim> expected;
    if (isState)
      expected.push_back({Dim::Batch, 0});
    for (int64_t d : decl.shape)
      expected.push_back({Dim::Fixed, d});
    if (shapeJson) {
      bool ok = dims.size() == expected.size();
      for (size_t i = 0; ok && i < dims.size(); ++i)
        ok = sameDim(dims[i], expected[i]);
      if (!ok)
        return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                     join(path, "shape"), "': expected ",
                     formatDims(expected), ", got ", formatDims(dims));
    }
    out->shape = expected;
    return nullptr;
  }

  // Inputs and outputs: a name, a direction, a dtype and a symbolic shape;
  // descriptors are built from the shape alone. The role says what the
  // session's own calls (prefill, decode) and checks do with it.
  HYB_RETURN_IF_ERROR(getString(v, path, "name", true, &out->name));
  if (out->name.empty())
    return fieldError(join(path, "name"), "a non-empty string", v["name"]);
  std::string io;
  HYB_RETURN_IF_ERROR(getString(v, path, "io", true, &io));
  if (io != "in" && io != "out")
    return fieldError(join(path, "io"), "\"in\" or \"out\"", v["io"]);
  out->isOutput = io == "out";
  HYB_RETURN_IF_ERROR(getDtype(v, path, true, &hasDtype, &dtype));
  if (!shapeJson)
    return missing(join(path, "shape"));
  out->dtype = dtype;
  out->shape = dims;

  bool wantOutput = out->role == ArgRole::Logits ||
                    out->role == ArgRole::NextToken ||
                    out->role == ArgRole::AudioLogits;
  if (out->isOutput != wantOutput)
    return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                 join(path, "io"), "': a '", role, "' argument is an ",
                 wantOutput ? "output (\"out\")" : "input (\"in\")");
  hyb_dtype_t expectedDtype =
      out->role == ArgRole::Logits || out->role == ArgRole::Embeds ||
              out->role == ArgRole::AudioLogits
          ? HYB_DTYPE_F32
          : HYB_DTYPE_I64;
  if (dtype != expectedDtype)
    return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                 join(path, "dtype"), "': a '", role, "' argument must be ",
                 dtypeName(expectedDtype), ", got ", dtypeName(dtype));
  // Every role is per sequence: "B" first. Tokens and embeds take one row a
  // position the call consumes: dim 1 is the entry point's advance.
  std::string want;
  bool ok = !dims.empty() && dims[0].kind == Dim::Batch;
  if (out->role == ArgRole::Position) {
    ok = ok && dims.size() == 1;
    want = "[\"B\"]";
  } else if (out->role == ArgRole::Tokens || out->role == ArgRole::Embeds ||
             out->role == ArgRole::DepthTokens) {
    ok = ok && dims.size() >= 2 && sameDim(dims[1], ctx.entry.advance);
    std::string t = formatDims({ctx.entry.advance});
    want = "[\"B\", " + t.substr(1, t.size() - 2) +
           ", ...] (dim 1 is the entry point's advance)";
  } else {
    ok = ok && dims.size() >= 2;
    want = "[\"B\", ...] of rank >= 2";
  }
  if (!ok)
    return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                 join(path, "shape"), "': expected ", want, ", got ",
                 formatDims(dims));
  return nullptr;
}

hyb_status_t parseEntryPoint(Manifest &m, const json &v, const std::string &path,
                             EntryPointDecl *out) {
  if (!v.is_object())
    return fieldError(path, "an object", v);
  HYB_RETURN_IF_ERROR(getString(v, path, "name", true, &out->name));
  HYB_RETURN_IF_ERROR(getString(v, path, "symbol", true, &out->symbol));
  if (out->name.empty())
    return fieldError(join(path, "name"), "a non-empty string", v["name"]);
  if (out->symbol.empty())
    return fieldError(join(path, "symbol"), "a non-empty string",
                      v["symbol"]);
  const json *args, *advance;
  HYB_RETURN_IF_ERROR(lookup(v, path, "args", true, &args));
  if (!args->is_array())
    return fieldError(join(path, "args"), "an array", *args);

  // How far a call moves the positions: "T" (prefill) or a number (1 for
  // decode and decode_greedy).
  HYB_RETURN_IF_ERROR(lookup(v, path, "advance", true, &advance));
  std::vector<Dim> adv;
  if (!advance->is_string() && !advance->is_number_integer())
    return fieldError(join(path, "advance"), "\"T\" or a non-negative integer",
                      *advance);
  HYB_RETURN_IF_ERROR(
      parseDims(json::array({*advance}), join(path, "advance"), &adv));
  if (adv[0].kind == Dim::Batch)
    return fieldError(join(path, "advance"), "\"T\" or a non-negative integer",
                      *advance);
  out->advance = adv[0];
  Dim want = out->advance;
  if (out->name == "prefill")
    want = {Dim::Tokens, 0};
  else if (out->name == "decode" || out->name == "decode_greedy")
    want = {Dim::Fixed, 1};
  if (!sameDim(want, out->advance))
    return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                 join(path, "advance"), "': entry point '", out->name,
                 "' advances by ", formatDims({want}), ", got ",
                 formatDims({out->advance}));
  out->fixedTokens = out->advance.kind == Dim::Fixed ? out->advance.value : 0;
  EntryContext ctx{m, *out, path};

  int counts[kNumArgRoles] = {};
  bool inputT = false;
  for (size_t i = 0; i < args->size(); ++i) {
    ArgDecl arg;
    std::string apath = join(path, "args") + "[" + std::to_string(i) + "]";
    HYB_RETURN_IF_ERROR(parseArg(ctx, (*args)[i], apath, &arg));
    int &count = counts[static_cast<int>(arg.role)];
    if (arg.role != ArgRole::Weight && arg.role != ArgRole::State && count)
      return error(HYB_STATUS_INVALID_FORMAT, "manifest field '", apath,
                   "': entry point '", out->name, "' has a second '",
                   argRoleName(arg.role), "' argument");
    ++count;
    if (arg.role != ArgRole::Weight && arg.role != ArgRole::State) {
      if (out->findIO(arg.name))
        return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                     join(apath, "name"), "': entry point '", out->name,
                     "' has a second argument named '", printable(arg.name),
                     "'");
      if (!arg.isOutput)
        for (const Dim &d : arg.shape)
          inputT = inputT || d.kind == Dim::Tokens;
      out->io.push_back(out->args.size());
    }
    out->args.push_back(arg);
  }
  // "T" is read from the inputs' shapes: an entry point whose outputs or
  // advance say "T" needs an input that has it.
  bool usesT = out->advance.kind == Dim::Tokens;
  for (const ArgDecl &a : out->args)
    for (const Dim &d : a.shape)
      usesT = usesT || d.kind == Dim::Tokens;
  if (usesT && !inputT)
    return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                 join(path, "args"), "': entry point '", out->name,
                 "' uses \"T\" but no input has a \"T\" dim to read it from");
  out->hasLogits = counts[int(ArgRole::Logits)] > 0;
  out->hasNextToken = counts[int(ArgRole::NextToken)] > 0;
  auto require = [&](ArgRole role) -> hyb_status_t {
    if (counts[int(role)] == 0)
      return error(HYB_STATUS_INVALID_FORMAT, "manifest field '",
                   join(path, "args"), "': entry point '", out->name,
                   "' needs a '", argRoleName(role), "' argument");
    return nullptr;
  };
  if (out->name == "prefill" || out->name == "decode" ||
      out->name == "decode_greedy") {
    HYB_RETURN_IF_ERROR(require(ArgRole::Tokens));
    HYB_RETURN_IF_ERROR(require(ArgRole::Position));
    HYB_RETURN_IF_ERROR(require(out->name == "decode_greedy"
                                    ? ArgRole::NextToken
                                    : ArgRole::Logits));
  }
  return nullptr;
}

} // namespace

hyb_status_t parseManifest(const std::string &text, Manifest *out) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception &e) {
    return error(HYB_STATUS_INVALID_FORMAT, "manifest is not valid JSON: ",
                 printable(e.what()));
  }
  if (!root.is_object())
    return fieldError("<root>", "an object", root);
  Manifest m;
  m.text = text;

  std::string format;
  HYB_RETURN_IF_ERROR(getString(root, "", "format", true, &format));
  if (format != kManifestFormat)
    return error(HYB_STATUS_INVALID_FORMAT, "manifest field 'format': expected "
                 "\"", kManifestFormat, "\", got \"", printable(format),
                 "\"");
  const json *version;
  HYB_RETURN_IF_ERROR(lookup(root, "", "version", true, &version));
  if (!version->is_number_integer())
    return fieldError("version", "an integer", *version);
  m.version = version->get<int64_t>();
  if (m.version != kManifestVersion)
    return error(HYB_STATUS_INVALID_FORMAT, "manifest version ",
                 describe(*version), " is not supported: this runtime reads "
                 "version ", kManifestVersion,
                 " (recompile the model with a hybridc of ABI version ",
                 kManifestVersion, ")");

  const json *model, *target;
  HYB_RETURN_IF_ERROR(lookup(root, "", "model", true, &model));
  if (!model->is_object())
    return fieldError("model", "an object", *model);
  HYB_RETURN_IF_ERROR(getString(*model, "model", "name", true, &m.modelName));
  HYB_RETURN_IF_ERROR(
      getString(*model, "model", "config_hash", true, &m.configHash));
  HYB_RETURN_IF_ERROR(
      getInt(*model, "model", "vocab_size", true, 1, &m.vocabSize));
  HYB_RETURN_IF_ERROR(
      getInt(*model, "model", "hidden_size", false, 1, &m.hiddenSize));
  HYB_RETURN_IF_ERROR(
      getInt(*model, "model", "num_layers", false, 0, &m.numLayers));
  if (const json *rate = model->contains("frame_rate") ? &(*model)["frame_rate"]
                                                       : nullptr) {
    if (!rate->is_number() || !(rate->get<double>() > 0))
      return fieldError("model.frame_rate", "a positive number", *rate);
    m.frameRate = rate->get<double>();
  }

  HYB_RETURN_IF_ERROR(lookup(root, "", "target", true, &target));
  if (!target->is_object())
    return fieldError("target", "an object", *target);
  HYB_RETURN_IF_ERROR(getString(*target, "target", "kind", true, &m.targetKind));
  if (m.targetKind != "cpu" && m.targetKind != "cuda")
    return error(HYB_STATUS_INVALID_FORMAT,
                 "manifest field 'target.kind': expected \"cpu\" or \"cuda\", "
                 "got \"", printable(m.targetKind), "\"");
  HYB_RETURN_IF_ERROR(
      getString(*target, "target", "triple", false, &m.targetTriple));
  HYB_RETURN_IF_ERROR(getString(*target, "target", "cpu", false, &m.targetCpu));
  if (m.targetKind == "cuda") {
    // A CUDA artifact's device code (docs/ABI.md, "CUDA artifacts").
    HYB_RETURN_IF_ERROR(
        getString(*target, "target", "arch", true, &m.targetArch));
    if (m.targetArch.rfind("sm_", 0) != 0 || m.targetArch.size() < 5)
      return error(HYB_STATUS_INVALID_FORMAT,
                   "manifest field 'target.arch': expected a GPU architecture "
                   "like \"sm_90a\", got \"", printable(m.targetArch), "\"");
    HYB_RETURN_IF_ERROR(getInt(*target, "target", "ptx_version", true, 1,
                               &m.targetPtxVersion));
    const json *kernels;
    HYB_RETURN_IF_ERROR(lookup(*target, "target", "kernels", true, &kernels));
    if (!kernels->is_array())
      return fieldError("target.kernels", "an array of kernel names",
                        *kernels);
    std::set<std::string> names;
    for (size_t i = 0; i < kernels->size(); ++i) {
      const json &k = (*kernels)[i];
      std::string path = "target.kernels[" + std::to_string(i) + "]";
      if (!k.is_string() || k.get<std::string>().empty())
        return fieldError(path, "a kernel name", k);
      if (!names.insert(k.get<std::string>()).second)
        return error(HYB_STATUS_INVALID_FORMAT, "manifest field '", path,
                     "': duplicate kernel '", printable(k.get<std::string>()),
                     "'");
      m.targetKernels.push_back(k.get<std::string>());
    }
    const json *waits = nullptr;
    HYB_RETURN_IF_ERROR(lookup(*target, "target",
                               "kernels_wait_for_prior_grid", false, &waits));
    if (waits) {
      if (!waits->is_boolean())
        return fieldError("target.kernels_wait_for_prior_grid", "a boolean",
                          *waits);
      m.targetKernelsWaitForPriorGrid = waits->get<bool>();
    }
  }

  HYB_RETURN_IF_ERROR(getInt(root, "", "max_seq", true, 1, &m.maxSeq));

  for (const char *section : {"weights", "state"}) {
    bool isState = std::string(section) == "state";
    const json *list;
    HYB_RETURN_IF_ERROR(lookup(root, "", section, true, &list));
    if (!list->is_array())
      return fieldError(section, "an array", *list);
    auto &decls = isState ? m.state : m.weights;
    std::set<std::string> names;
    for (size_t i = 0; i < list->size(); ++i) {
      TensorDecl decl;
      std::string path = std::string(section) + "[" + std::to_string(i) + "]";
      HYB_RETURN_IF_ERROR(parseTensorDecl((*list)[i], path, isState, &decl));
      if (!names.insert(decl.name).second)
        return error(HYB_STATUS_INVALID_FORMAT, "manifest field '", path,
                     ".name': duplicate name '", printable(decl.name), "'");
      decls.push_back(std::move(decl));
    }
  }

  const json *entries;
  HYB_RETURN_IF_ERROR(lookup(root, "", "entry_points", true, &entries));
  if (!entries->is_array())
    return fieldError("entry_points", "an array", *entries);
  std::set<std::string> names;
  for (size_t i = 0; i < entries->size(); ++i) {
    EntryPointDecl entry;
    std::string path = "entry_points[" + std::to_string(i) + "]";
    HYB_RETURN_IF_ERROR(parseEntryPoint(m, (*entries)[i], path, &entry));
    if (!names.insert(entry.name).second)
      return error(HYB_STATUS_INVALID_FORMAT, "manifest field '", path,
                   ".name': duplicate entry point '", printable(entry.name),
                   "'");
    m.entryPoints.push_back(std::move(entry));
  }
  for (const char *required : {"prefill", "decode"})
    if (!m.findEntryPoint(required))
      return error(HYB_STATUS_INVALID_FORMAT,
                   "manifest: no '", required, "' entry point in "
                   "'entry_points' (the ABI requires prefill and decode)");
  *out = std::move(m);
  return nullptr;
}

} // namespace hyb
