// ember::save / ember::load (a module's state_dict as safetensors) and training checkpoints.
// Loading validates every part of the file before assigning any; see include/ember/io/checkpoint.h.
#include "ember/io/checkpoint.h"

#include <cerrno>
#include <cstdlib>
#include <set>
#include <sstream>

#include "ember/io/safetensors.h"
#include "ember/optim/lr_scheduler.h"
#include "ember/optim/optimizer.h"
#include "io/checkpoint_checksum.h"
#include "optim/json_lite.h"

namespace ember {

namespace {

constexpr const char* kFormatKey = "ember.checkpoint";  // training checkpoints: the format version
constexpr const char* kFormatVersion = "1";
using io::detail::kChecksumKey;
constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimizerPrefix = "optimizer.";
constexpr const char* kUserPrefix = "user.";

[[noreturn]] void fail(const std::string& path, const std::string& what) { EMBER_THROW("checkpoint ", path, ": ", what); }

// Runs f; an ember::Error it throws is re-thrown prefixed with the file and `what`.
template <class F>
auto in_file(const std::string& path, const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    fail(path, what + ": " + e.what());
  }
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

bool is_integral_dtype(DType d) { return d == kInt64 || d == kInt32 || d == kUInt8; }

// Whether a file tensor of dtype `from` may be copied into a model tensor of dtype `to`.
bool convertible(DType from, DType to) {
  if (from == to) return true;
  if ((from == kFloat32 || from == kFloat64) && (to == kFloat32 || to == kFloat64)) return true;
  return is_integral_dtype(from) && is_integral_dtype(to);
}

std::string quoted_list(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + ("\"" + v[i] + "\"");
  return s;
}

// Checks `state` (keys without prefix) against the module: keys, shapes, dtypes. Strict: any
// problem throws one error listing all of them. Returns what a non-strict load would skip.
nn::LoadResult check_model_state(const nn::Module& module, const std::map<std::string, Tensor>& state, bool strict,
                                 const std::string& path) {
  nn::LoadResult res;
  std::vector<std::string> dtype_problems;
  std::set<std::string> own_keys;
  for (const auto& [k, t] : module.state_dict()) {
    own_keys.insert(k);
    auto it = state.find(k);
    if (it == state.end()) {
      res.missing_keys.push_back(k);
      continue;
    }
    const Tensor& f = it->second;
    if (f.sizes() != t.sizes()) {
      res.shape_mismatches.push_back(k + ": checkpoint " + shape_str(f.sizes()) + " vs model " + shape_str(t.sizes()));
      continue;
    }
    if (!convertible(f.dtype(), t.dtype()))
      dtype_problems.push_back(k + ": checkpoint " + dtype_name(f.dtype()) + " cannot be loaded into the model's " +
                               dtype_name(t.dtype()));
  }
  for (const auto& [k, t] : state)
    if (!own_keys.count(k)) res.unexpected_keys.push_back(k);
  if (dtype_problems.empty() && (!strict || res.ok())) return res;
  std::ostringstream os;
  os << "does not fit the " << module.type_name() << " module:";
  if (strict && !res.missing_keys.empty()) os << "\n\tMissing key(s) in state_dict: " << quoted_list(res.missing_keys) << ".";
  if (strict && !res.unexpected_keys.empty())
    os << "\n\tUnexpected key(s) in state_dict: " << quoted_list(res.unexpected_keys) << ".";
  if (strict)
    for (const auto& m : res.shape_mismatches) os << "\n\tsize mismatch for " << m << ".";
  for (const auto& m : dtype_problems) os << "\n\tdtype mismatch for " << m << ".";
  fail(path, os.str());
}

// `required`: a training checkpoint (ember always writes its checksum there; a file without one
// lost it). Other files without one come from elsewhere (e.g. PyTorch): nothing to compare.
void verify_checksum(const io::SafetensorsFile& f, const std::string& path, bool required) {
  auto it = f.metadata.find(kChecksumKey);
  if (it == f.metadata.end()) {
    if (required)
      fail(path, std::string("__metadata__ has no \"") + kChecksumKey +
                     "\" (ember writes one into every training checkpoint): the file is corrupt");
    return;
  }
  const std::string& want = it->second;
  std::string got, what;
  if (want.rfind("xxh64m:", 0) == 0) {
    got = io::detail::checkpoint_checksum(f.tensors, f.metadata);
    what = "the data and metadata do not match";
  } else if (want.rfind("xxh64:", 0) == 0) {  // written before the metadata was covered
    got = io::detail::tensors_checksum(f.tensors);
    what = "the data does not match";
  } else {
    fail(path, std::string("\"") + kChecksumKey + "\" is \"" + want + "\", not a checksum ember writes: the file is corrupt");
  }
  if (got != want)
    fail(path, what + " its checksum (header says " + want + ", the file gives " + got + "): the file is corrupt");
}

std::map<std::string, Tensor> with_prefix_stripped(const std::map<std::string, Tensor>& tensors, const std::string& prefix) {
  std::map<std::string, Tensor> out;
  for (const auto& [k, t] : tensors)
    if (starts_with(k, prefix)) out.emplace(k.substr(prefix.size()), t);
  return out;
}

void write_file(const std::string& path, std::map<std::string, Tensor> tensors,
                std::map<std::string, std::string> metadata) {
  for (auto& [k, t] : tensors) t = t.detach();
  metadata[kChecksumKey] = io::detail::checkpoint_checksum(tensors, metadata);  // (it skips its own key)
  io::save_safetensors(path, tensors, metadata);
}

const std::string& meta_at(const std::map<std::string, std::string>& m, const std::string& key, const std::string& path,
                           const std::string& why) {
  auto it = m.find(key);
  if (it == m.end()) fail(path, "__metadata__ has no \"" + key + "\" (" + why + ")");
  return it->second;
}

int64_t parse_int(const std::string& text, const std::string& key, const std::string& path) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || errno != 0 || *end != '\0') fail(path, "\"" + key + "\" is not an integer: \"" + text + "\"");
  return v;
}

uint64_t parse_uint(const std::string& text, const std::string& key, const std::string& path) {
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || errno != 0 || *end != '\0')
    fail(path, "\"" + key + "\" is not an unsigned integer: \"" + text + "\"");
  return v;
}

double parse_double(const std::string& text, const std::string& key, const std::string& path) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') fail(path, "\"" + key + "\" is not a number: \"" + text + "\"");
  return v;
}

Checkpoint::Info info_from(const std::map<std::string, std::string>& meta, const std::string& path) {
  auto fmt = meta.find(kFormatKey);
  if (fmt == meta.end())
    fail(path, "not an ember training checkpoint (its __metadata__ has no \"ember.checkpoint\"); "
               "for a plain state_dict use ember::load(module, path)");
  if (fmt->second != kFormatVersion)
    fail(path, "checkpoint format version \"" + fmt->second + "\" is not supported (this ember reads version " +
                   kFormatVersion + ")");
  Checkpoint::Info info;
  info.epoch = parse_int(meta_at(meta, "epoch", path, "the epoch"), "epoch", path);
  if (info.epoch < 0) fail(path, "\"epoch\" is " + std::to_string(info.epoch) + ": must be >= 0");
  if (auto it = meta.find("best_metric"); it != meta.end()) info.best_metric = parse_double(it->second, "best_metric", path);
  for (const auto& [k, v] : meta)
    if (starts_with(k, kUserPrefix)) info.metadata[k.substr(std::char_traits<char>::length(kUserPrefix))] = v;
  return info;
}

}  // namespace

// ---- plain state_dicts ------------------------------------------------------------------------

void save(const nn::Module& module, const std::string& path, const std::map<std::string, std::string>& metadata) {
  std::map<std::string, Tensor> tensors;
  for (const auto& [k, t] : module.state_dict()) {
    EMBER_CHECK(tensors.emplace(k, t).second, "save ", path, ": the state_dict has the key '", k, "' twice");
  }
  std::map<std::string, std::string> meta = metadata;
  meta.emplace("format", "pt");
  write_file(path, std::move(tensors), std::move(meta));
}

nn::LoadResult load(nn::Module& module, const std::string& path, bool strict) {
  io::SafetensorsFile f = io::load_safetensors(path);
  verify_checksum(f, path, /*required=*/f.metadata.count(kFormatKey) != 0);
  std::map<std::string, Tensor> state =
      f.metadata.count(kFormatKey) ? with_prefix_stripped(f.tensors, kModelPrefix) : std::move(f.tensors);
  check_model_state(module, state, strict, path);
  return in_file(path, "loading the state_dict", [&] { return module.load_state_dict(state, strict); });
}

// ---- training checkpoints ---------------------------------------------------------------------

Checkpoint::Checkpoint(nn::Module& model, optim::Optimizer* optimizer, optim::Scheduler* scheduler)
    : model_(&model), optimizer_(optimizer), scheduler_(scheduler) {}

void Checkpoint::save(const std::string& path) const {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> meta;
  meta[kFormatKey] = kFormatVersion;
  meta["epoch"] = std::to_string(epoch);
  if (best_metric) meta["best_metric"] = optim::json::number_str(*best_metric);
  for (const auto& [k, v] : metadata) meta[kUserPrefix + k] = v;
  for (const auto& [k, t] : model_->state_dict()) {
    EMBER_CHECK(tensors.emplace(kModelPrefix + k, t).second, "checkpoint ", path, ": the model's state_dict has the key '",
                k, "' twice");
  }
  if (optimizer_) {
    optim::OptimizerStateDict sd = optimizer_->state_dict();
    for (auto& [k, t] : sd.flat_tensors()) tensors.emplace(kOptimizerPrefix + k, t);
    meta["optimizer.type"] = optimizer_->name();
    meta["optimizer.param_groups"] = sd.param_groups_json();
  }
  if (scheduler_) {
    meta["scheduler.type"] = scheduler_->name();
    meta["scheduler.state"] = scheduler_->state_dict().to_json();
  }
  for (const auto& [name, g] : generators) {
    EMBER_CHECK(g != nullptr, "checkpoint ", path, ": generator '", name, "' is null");
    meta["rng." + name + ".seed"] = std::to_string(g->seed());
    meta["rng." + name + ".offset"] = std::to_string(g->offset());
  }
  write_file(path, std::move(tensors), std::move(meta));
}

void Checkpoint::load(const std::string& path) {
  // 1. Read and check everything; nothing is assigned until all of it is known to fit.
  io::SafetensorsFile f = io::load_safetensors(path);
  const auto& meta = f.metadata;
  // First: a flipped byte anywhere reads as corruption. (A file without the format key is not a
  // training checkpoint: info_from says so.)
  verify_checksum(f, path, /*required=*/meta.count(kFormatKey) != 0);
  Info info = info_from(meta, path);
  for (const auto& [k, t] : f.tensors)
    if (!starts_with(k, kModelPrefix) && !starts_with(k, kOptimizerPrefix))
      fail(path, "unexpected tensor '" + k + "' (a training checkpoint holds model.* and optimizer.* tensors)");

  std::map<std::string, Tensor> model_state = with_prefix_stripped(f.tensors, kModelPrefix);
  check_model_state(*model_, model_state, /*strict=*/true, path);

  optim::OptimizerStateDict opt_state;
  if (optimizer_) {
    const std::string& type = meta_at(meta, "optimizer.type", path, "the checkpoint holds no optimizer state");
    if (type != optimizer_->name())
      fail(path, "holds the state of a " + type + " optimizer, not of a " + optimizer_->name());
    std::vector<std::pair<std::string, Tensor>> flat;
    for (auto& [k, t] : with_prefix_stripped(f.tensors, kOptimizerPrefix)) flat.emplace_back(k, t);
    const std::string& groups = meta_at(meta, "optimizer.param_groups", path, "the optimizer's parameter groups");
    opt_state = in_file(path, "optimizer state", [&] { return optim::OptimizerStateDict::from_flat(flat, groups); });
    in_file(path, "optimizer state", [&] { optimizer_->check_state_dict(opt_state); });
  }

  optim::Options sched_state;
  if (scheduler_) {
    const std::string& type = meta_at(meta, "scheduler.type", path, "the checkpoint holds no scheduler state");
    if (type != scheduler_->name()) fail(path, "holds the state of a " + type + " scheduler, not of a " + scheduler_->name());
    const std::string& text = meta_at(meta, "scheduler.state", path, "the scheduler's state");
    sched_state = in_file(path, "scheduler state", [&] { return optim::Options::from_json(text); });
  }

  std::vector<std::tuple<Generator*, uint64_t, uint64_t>> rng;
  for (const auto& [name, g] : generators) {
    EMBER_CHECK(g != nullptr, "checkpoint ", path, ": generator '", name, "' is null");
    const std::string seed_key = "rng." + name + ".seed", offset_key = "rng." + name + ".offset";
    const std::string why = "the state of random generator '" + name + "'";
    rng.emplace_back(g, parse_uint(meta_at(meta, seed_key, path, why), seed_key, path),
                     parse_uint(meta_at(meta, offset_key, path, why), offset_key, path));
  }

  // 2. Assign. The scheduler's load is the last check (it validates its own state, atomically);
  // what follows was validated above.
  optim::Options sched_before;
  if (scheduler_) {
    sched_before = scheduler_->state_dict();
    in_file(path, "scheduler state", [&] { scheduler_->load_state_dict(sched_state); });
  }
  try {
    if (optimizer_) optimizer_->load_state_dict(opt_state);
    model_->load_state_dict(model_state, /*strict=*/true);
  } catch (const Error& e) {
    if (scheduler_) scheduler_->load_state_dict(sched_before);
    fail(path, e.what());
  }
  for (auto& [g, seed, offset] : rng) {
    g->manual_seed(seed);
    g->set_offset(offset);
  }
  epoch = info.epoch;
  best_metric = info.best_metric;
  metadata = std::move(info.metadata);
}

Checkpoint::Info Checkpoint::read_info(const std::string& path) {
  return info_from(io::load_safetensors_metadata(path), path);
}

}  // namespace ember
