// The golden runner: every *.safetensors reference case in a directory (computed with PyTorch
// 1.13, format in ../shared/golden/README.md) is run with ember's ops and compared.
//
//   golden_runner [--gtest_filter=golden.relu] [DIR]
//   DIR: the argument, else $EMBER_GOLDEN_DIR, else $EMBER_GOLDEN_DEFAULT_DIR (set by CTest),
//        else ../shared/golden.
//
// One line per case: PASS <name> | FAIL <name> (why) | UNSUPPORTED <name> (why), then
// "golden: P passed, F failed, U unsupported". Exit status 1 when a case fails, 2 when the
// directory is missing or holds no case; UNSUPPORTED (no ember op registered for the case's
// (kind, op), see golden.h) is not a failure, nor is BADREF (a reference file listed, by the hash
// of its bytes, in known_bad_references.txt as contradicting PyTorch itself). EMBER_GOLDEN_VERBOSE=1 keeps GoogleTest's own
// output and prints the largest error of every compared tensor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "golden/golden.h"

namespace ember::golden {

// ---- registry -------------------------------------------------------------------------------

namespace {

struct Entry {
  OpFn op;
  CaseFn whole;
  Tolerance tol;
};

std::map<std::pair<std::string, std::string>, Entry>& registry() {
  static std::map<std::pair<std::string, std::string>, Entry> r;
  return r;
}

void add_entry(const std::string& kind, const std::string& op, Entry e) {
  auto [it, inserted] = registry().emplace(std::make_pair(kind, op), std::move(e));
  if (!inserted) throw std::logic_error("golden: (" + kind + ", " + op + ") registered twice");
}

}  // namespace

bool register_op(const std::string& kind, const std::string& op, OpFn fn, Tolerance tol) {
  add_entry(kind, op, Entry{std::move(fn), {}, tol});
  return true;
}

bool register_case(const std::string& kind, const std::string& op, CaseFn fn, Tolerance tol) {
  add_entry(kind, op, Entry{{}, std::move(fn), tol});
  return true;
}

const Tensor& Case::tensor(const std::string& n) const {
  auto it = tensors.find(n);
  EMBER_CHECK(it != tensors.end(), "golden case ", name, ": no tensor \"", n, "\" in ", path);
  return it->second;
}

const Tensor& Inputs::operator[](size_t i) const {
  EMBER_CHECK(i < list.size(), "golden: input ", i, " requested but the case has ", list.size(), " inputs");
  return list[i];
}

const Tensor& Inputs::operator[](const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return list[i];
  EMBER_THROW("golden: the case has no input \"", name, "\"");
}

bool Inputs::has(const std::string& name) const {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// ---- argument helpers ------------------------------------------------------------------------

bool has_arg(const json& args, const char* key) { return args.is_object() && args.contains(key) && !args[key].is_null(); }

int64_t arg_int(const json& args, const char* key) {
  EMBER_CHECK(has_arg(args, key), "golden: argument \"", key, "\" is missing in ", args.dump());
  const json& v = args[key];
  EMBER_CHECK(v.is_number_integer(), "golden: argument \"", key, "\" is not an integer: ", v.dump());
  return v.get<int64_t>();
}
int64_t arg_int(const json& args, const char* key, int64_t fallback) {
  return has_arg(args, key) ? arg_int(args, key) : fallback;
}

double arg_double(const json& args, const char* key) {
  EMBER_CHECK(has_arg(args, key), "golden: argument \"", key, "\" is missing in ", args.dump());
  const json& v = args[key];
  EMBER_CHECK(v.is_number(), "golden: argument \"", key, "\" is not a number: ", v.dump());
  return v.get<double>();
}
double arg_double(const json& args, const char* key, double fallback) {
  return has_arg(args, key) ? arg_double(args, key) : fallback;
}

std::optional<double> arg_optional_double(const json& args, const char* key) {
  if (!has_arg(args, key)) return std::nullopt;
  return arg_double(args, key);
}

bool arg_bool(const json& args, const char* key, bool fallback) {
  if (!has_arg(args, key)) return fallback;
  const json& v = args[key];
  EMBER_CHECK(v.is_boolean(), "golden: argument \"", key, "\" is not a bool: ", v.dump());
  return v.get<bool>();
}

std::string arg_string(const json& args, const char* key, const std::string& fallback) {
  if (!has_arg(args, key)) return fallback;
  const json& v = args[key];
  EMBER_CHECK(v.is_string(), "golden: argument \"", key, "\" is not a string: ", v.dump());
  return v.get<std::string>();
}

std::vector<int64_t> arg_ints(const json& args, const char* key, std::vector<int64_t> fallback) {
  if (!has_arg(args, key)) return fallback;
  const json& v = args[key];
  if (v.is_number_integer()) return {v.get<int64_t>()};
  EMBER_CHECK(v.is_array(), "golden: argument \"", key, "\" is not an int or a list of ints: ", v.dump());
  std::vector<int64_t> r;
  for (const json& x : v) {
    EMBER_CHECK(x.is_number_integer(), "golden: argument \"", key, "\" holds a non-integer: ", v.dump());
    r.push_back(x.get<int64_t>());
  }
  return r;
}

// ---- loading and comparing ---------------------------------------------------------------------

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> r;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) r.push_back(item.substr(b, e - b + 1));
  }
  return r;
}

Case load_case(const std::filesystem::path& file) {
  Case c;
  c.path = file.string();
  c.name = file.stem().string();
  io::SafetensorsFile f = io::load_safetensors(c.path);
  c.tensors = std::move(f.tensors);
  c.metadata = std::move(f.metadata);
  auto meta = [&](const char* k) -> std::string {
    auto it = c.metadata.find(k);
    return it == c.metadata.end() ? std::string() : it->second;
  };
  c.op = meta("op");
  c.kind = meta("kind");
  EMBER_CHECK(!c.op.empty() && !c.kind.empty(), "golden: ", c.path, ": __metadata__ lacks \"op\" or \"kind\"");
  std::string args = meta("args");
  try {
    c.args = args.empty() ? json::object() : json::parse(args);
  } catch (const json::exception& e) {
    EMBER_THROW("golden: ", c.path, ": args is not valid JSON (", e.what(), "): ", args);
  }
  c.inputs = split_list(meta("inputs"));
  c.outputs = split_list(meta("outputs"));
  c.grads = split_list(meta("grads"));
  return c;
}

enum class Status { Pass, Fail, Unsupported };

struct Outcome {
  Status status = Status::Pass;
  std::string detail;
};

// Collects the comparisons of one case; remembers the failing tensor with the largest error.
struct Comparison {
  Tolerance tol;
  bool verbose = false;
  bool failed = false;
  double worst_err = -1;
  std::string worst_tensor, first_problem;

  void problem(const std::string& what) {
    failed = true;
    if (first_problem.empty()) first_problem = what;
  }

  void compare(const std::string& name, const Tensor& ours_in, const Tensor& ref) {
    if (!ours_in.defined()) return problem(name + ": ember produced no tensor");
    if (ours_in.sizes() != ref.sizes())
      return problem(name + ": shape " + shape_str(ours_in.sizes()) + " vs expected " + shape_str(ref.sizes()));
    if (ours_in.dtype() != ref.dtype())
      return problem(std::string(name) + ": dtype " + dtype_name(ours_in.dtype()) + " vs expected " +
                     dtype_name(ref.dtype()));
    Tensor a = ours_in.detach().to(kFloat64).contiguous();
    Tensor b = ref.to(kFloat64).contiguous();
    const double* pa = a.data_ptr<double>();
    const double* pb = b.data_ptr<double>();
    const bool exact = !is_floating(ref.dtype());  // indices, counts: must match exactly
    double max_err = 0;
    bool bad = false;
    for (int64_t i = 0; i < a.numel(); ++i) {
      double err = std::fabs(pa[i] - pb[i]);
      if (std::isnan(pa[i]) && std::isnan(pb[i])) continue;
      if (std::isinf(pb[i]) && pa[i] == pb[i]) continue;
      if (std::isnan(err)) err = INFINITY;
      max_err = std::max(max_err, err);
      if (exact ? err != 0 : !(err <= tol.atol + tol.rtol * std::fabs(pb[i]))) bad = true;
    }
    if (verbose) std::cout << "    " << name << ": largest error " << max_err << (bad ? "  <-- out of tolerance" : "") << "\n";
    if (bad) {
      failed = true;
      if (max_err > worst_err) worst_err = max_err, worst_tensor = name;
    }
  }

  std::string why() const {
    if (!worst_tensor.empty()) {
      std::ostringstream os;
      os << "largest error " << std::setprecision(3) << worst_err << " in " << worst_tensor;
      if (!first_problem.empty()) os << "; " << first_problem;
      return os.str();
    }
    return first_problem;
  }
};

Outcome run_function(const Case& c, const Entry& e, Comparison& cmp) {
  EMBER_CHECK(!c.outputs.empty(), "golden: ", c.path, ": no \"outputs\" in __metadata__");
  for (const auto& g : c.grads)
    EMBER_CHECK(std::find(c.inputs.begin(), c.inputs.end(), g) != c.inputs.end(), "golden: ", c.path,
                ": grads names \"", g, "\" which is not an input");
  Inputs in;
  in.names = c.inputs;
  for (const auto& n : c.inputs) {
    Tensor t = c.tensor(n).clone();  // ops may modify inputs in place (running stats)
    if (std::find(c.grads.begin(), c.grads.end(), n) != c.grads.end()) t.requires_grad_(true);
    in.list.push_back(t);
  }
  TensorList outs = e.op(in, c.args);
  if (outs.size() != c.outputs.size())
    return {Status::Fail, detail::cat_str("the op returned ", outs.size(), " outputs, the case has ", c.outputs.size())};
  for (size_t k = 0; k < outs.size(); ++k) cmp.compare(c.outputs[k], outs[k], c.tensor(c.outputs[k]));

  // Backward: d/d(inputs) of sum_k sum(out_k * upstream.out_k) over the outputs with an upstream.
  if (!c.grads.empty()) {
    Tensor loss;
    for (size_t k = 0; k < outs.size(); ++k) {
      auto up = c.tensors.find("upstream." + c.outputs[k]);
      if (up == c.tensors.end() || !outs[k].defined()) continue;
      if (!outs[k].requires_grad()) {
        cmp.problem(c.outputs[k] + " does not require grad (no backward recorded)");
        continue;
      }
      if (outs[k].sizes() != up->second.sizes()) continue;  // already reported as a shape mismatch
      Tensor term = (outs[k] * up->second).sum();
      loss = loss.defined() ? loss + term : term;
    }
    if (loss.defined()) {
      loss.backward();
      for (const auto& g : c.grads) {
        const std::string gname = "grad." + g;
        if (!c.tensors.count(gname)) continue;
        Tensor grad = in[g].grad();
        if (!grad.defined()) {
          cmp.problem("no gradient reached input " + g);
          continue;
        }
        cmp.compare(gname, grad, c.tensor(gname));
      }
    }
  }
  return cmp.failed ? Outcome{Status::Fail, cmp.why()} : Outcome{};
}

Outcome run_whole(const Case& c, const Entry& e, Comparison& cmp) {
  TensorMap got = e.whole(c);
  if (got.empty()) return {Status::Fail, "the case handler compared nothing"};
  for (const auto& [name, t] : got) cmp.compare(name, t, c.tensor(name));
  return cmp.failed ? Outcome{Status::Fail, cmp.why()} : Outcome{};
}

Outcome run_case(const std::filesystem::path& file, std::string& name, bool verbose) {
  Case c;
  try {
    c = load_case(file);
  } catch (const std::exception& ex) {
    return {Status::Fail, std::string("cannot load the case: ") + ex.what()};
  }
  name = c.name;
  auto it = registry().find({c.kind, c.op});
  if (it == registry().end())
    return {Status::Unsupported, "op " + c.op + " / kind " + c.kind + " not implemented"};
  Comparison cmp;
  cmp.tol = it->second.tol;
  cmp.verbose = verbose;
  try {
    if (it->second.op) return run_function(c, it->second, cmp);
    return run_whole(c, it->second, cmp);
  } catch (const Unsupported& ex) {
    return {Status::Unsupported, ex.what()};
  } catch (const std::exception& ex) {
    return {Status::Fail, std::string("error: ") + ex.what()};
  }
}

struct Totals {
  int passed = 0, failed = 0, unsupported = 0, bad_reference = 0;
};
Totals totals;

// ---- reference files known to be wrong ---------------------------------------------------------
// A reference file whose stored values contradict PyTorch itself is listed, with the FNV-1a 64-bit
// hash of its exact bytes and the reason, in known_bad_references.txt (lines "name hash reason").
// Only those exact bytes are excused: a corrected file with the same name is compared as usual.
// A listed file that fails is reported BADREF (not a failure); one that passes is a plain PASS.

uint64_t fnv1a_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  uint64_t h = 1469598103934665603ull;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h ^= static_cast<unsigned char>(buf[i]);
      h *= 1099511628211ull;
    }
  }
  return h;
}

std::map<uint64_t, std::string>& known_bad() {
  static std::map<uint64_t, std::string> m;
  return m;
}

void load_known_bad(const std::string& path) {
  std::ifstream in(path);
  if (!in) return;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name, hash, reason;
    ls >> name >> hash;
    std::getline(ls, reason);
    if (hash.empty()) continue;
    known_bad()[std::stoull(hash, nullptr, 16)] = name + ":" + reason;
  }
}

class GoldenCase : public ::testing::Test {
 public:
  GoldenCase(std::filesystem::path file, bool verbose) : file_(std::move(file)), verbose_(verbose) {}
  void TestBody() override {
    std::string name = file_.stem().string();
    if (verbose_) std::cout << name << " (" << file_.string() << ")\n";
    Outcome o = run_case(file_, name, verbose_);
    switch (o.status) {
      case Status::Pass:
        ++totals.passed;
        std::cout << "PASS " << name << std::endl;
        break;
      case Status::Unsupported:
        ++totals.unsupported;
        std::cout << "UNSUPPORTED " << name << " (" << o.detail << ")" << std::endl;
        GTEST_SKIP() << o.detail;
        break;
      case Status::Fail:
        if (auto kb = known_bad().find(fnv1a_file(file_)); kb != known_bad().end()) {
          ++totals.bad_reference;
          std::cout << "BADREF " << name << " (the reference contradicts PyTorch, see known_bad_references.txt: "
                    << kb->second.substr(kb->second.find(':') + 1) << "; ember: " << o.detail << ")" << std::endl;
          break;
        }
        ++totals.failed;
        std::cout << "FAIL " << name << " (" << o.detail << ")" << std::endl;
        ADD_FAILURE() << name << ": " << o.detail;
        break;
    }
  }

 private:
  std::filesystem::path file_;
  bool verbose_;
};

std::string test_name(const std::string& stem) {
  std::string r = stem;
  for (char& ch : r)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') ch = '_';
  return r;
}

}  // namespace
}  // namespace ember::golden

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace ember::golden;
  ::testing::InitGoogleTest(&argc, argv);  // removes the --gtest_* flags it knows

  std::string dir, source;
  if (argc > 1) {
    dir = argv[1], source = "the command line";
  } else if (const char* e = std::getenv("EMBER_GOLDEN_DIR"); e && *e) {
    dir = e, source = "EMBER_GOLDEN_DIR";
  } else if (const char* d = std::getenv("EMBER_GOLDEN_DEFAULT_DIR"); d && *d) {
    dir = d, source = "EMBER_GOLDEN_DEFAULT_DIR";
  } else {
    dir = "../shared/golden", source = "the default";
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::cerr << "golden: case directory '" << dir << "' (from " << source
              << ") does not exist or is not a directory; set EMBER_GOLDEN_DIR or pass a directory\n";
    return 2;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".safetensors" && !entry.is_directory()) files.push_back(entry.path());
  if (ec) {
    std::cerr << "golden: cannot list '" << dir << "': " << ec.message() << "\n";
    return 2;
  }
  if (files.empty()) {
    std::cerr << "golden: no *.safetensors cases in '" << dir << "' (from " << source
              << "); nothing was tested\n";
    return 2;
  }
  std::sort(files.begin(), files.end());

#ifdef EMBER_GOLDEN_KNOWN_BAD
  load_known_bad(EMBER_GOLDEN_KNOWN_BAD);
#endif
  if (const char* kb = std::getenv("EMBER_GOLDEN_KNOWN_BAD"); kb && *kb) load_known_bad(kb);
  const char* v = std::getenv("EMBER_GOLDEN_VERBOSE");
  const bool verbose = v && *v && std::string(v) != "0";
  for (const auto& f : files) {
    ::testing::RegisterTest("golden", test_name(f.stem().string()).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                            [f, verbose]() -> ::testing::Test* { return new GoldenCase(f, verbose); });
  }
  if (!verbose) {  // our one line per case replaces GoogleTest's [ RUN ] / [ OK ] lines
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  std::cout << "golden: " << files.size() << " case files in " << dir << "\n";
  int rc = RUN_ALL_TESTS();
  std::cout << "golden: " << totals.passed << " passed, " << totals.failed << " failed, " << totals.unsupported
            << " unsupported";
  if (totals.bad_reference) std::cout << ", " << totals.bad_reference << " known-bad references";
  std::cout << std::endl;
  return (rc != 0 || totals.failed > 0) ? 1 : 0;
}
