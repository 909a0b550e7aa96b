// Running a search: child `ember train` processes, N at a time, each logging to its trial dir.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "ember/core/error.h"
#include "ember/train/experiment.h"
#include "ember/train/search.h"
#include "ember/train/synthesize.h"
#include "train/interrupt.h"
#include "train/markdown.h"

extern char** environ;

namespace fs = std::filesystem;

namespace ember::train {

namespace {

std::string self_executable() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  EMBER_CHECK(!ec, "search: cannot find this program's path (/proc/self/exe): ", ec.message());
  return p.string();
}

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

// The last non-empty line of a file (the child's error message, usually).
std::string last_line(const std::string& path) {
  std::ifstream f(path);
  std::string line, last;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t cr = line.rfind('\r');  // a progress bar redrawn in place: keep its last state
    if (cr != std::string::npos) line = line.substr(cr + 1);
    if (line.find_first_not_of(" \t") != std::string::npos) last = line;
  }
  return last;
}

struct Running {
  size_t index;
  pid_t pid;
  std::chrono::steady_clock::time_point start;
};

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path, const std::vector<std::string>& env,
            std::string* error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args, envp;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  const bool search_path = argv[0].find('/') == std::string::npos;
  int rc = search_path ? posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data())
                       : posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    *error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

std::string join_args(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

const char* status_name(TrialResult::Status s) {
  switch (s) {
    case TrialResult::Status::Ok: return "ok";
    case TrialResult::Status::Failed: return "FAILED";
    case TrialResult::Status::Skipped: return "skipped";
    case TrialResult::Status::Interrupted: return "interrupted";
  }
  return "?";
}

std::vector<TrialResult> run_search(const SearchOptions& options, const Params::SchemaFor& schema_for) {
  std::ostream& out = options.out ? *options.out : std::cout;
  EMBER_CHECK(options.jobs >= 1, "search: --jobs must be >= 1 (got ", options.jobs, ")");
  std::error_code ec;
  EMBER_CHECK(fs::is_directory(options.parent_dir, ec), options.parent_dir, ": no such directory");
  const Params parent = Params::load((fs::path(options.parent_dir) / "params.json").string(), schema_for);
  const std::string spec_path =
      options.search_file.empty() ? (fs::path(options.parent_dir) / "search.json").string() : options.search_file;
  const SearchSpec spec = SearchSpec::load(spec_path);
  std::vector<Trial> trials = make_trials(spec, parent);

  std::vector<std::string> command = options.command;
  if (command.empty()) command = {self_executable(), "train"};

  std::vector<std::string> env;
  bool has_omp = false;
  for (char** e = environ; e && *e; ++e) {
    env.emplace_back(*e);
    has_omp = has_omp || env.back().rfind("OMP_NUM_THREADS=", 0) == 0;
  }
  const int threads_per_trial = std::max(1, available_cores() / options.jobs);
  if (!has_omp) env.push_back("OMP_NUM_THREADS=" + std::to_string(threads_per_trial));

  out << "search: " << trials.size() << " trial" << (trials.size() == 1 ? "" : "s") << " (" << spec.strategy
      << ") in " << options.parent_dir << ", " << options.jobs << " at a time" << std::endl;

  // Decide what each trial needs, and prepare its directory.
  std::vector<TrialResult> results(trials.size());
  std::vector<std::vector<std::string>> argvs(trials.size());
  std::vector<size_t> queue;
  for (size_t i = 0; i < trials.size(); ++i) {
    const Trial& t = trials[i];
    TrialResult& r = results[i];
    r.name = t.name;
    const ExperimentDir dir((fs::path(options.parent_dir) / t.name).string());
    const ExperimentDir::Status st = dir.status(t.params.num_epochs());
    bool same_params = false;
    if (fs::exists(dir.params_file(), ec)) {
      try {
        same_params = Params::load(dir.params_file(), schema_for).to_json() == t.params.to_json();
      } catch (const Error&) {
        same_params = false;
      }
    }
    std::vector<std::string> argv = command;
    argv.insert(argv.end(), {"--data_dir", options.data_dir, "--model_dir", dir.path()});
    if (options.overwrite) {
      argv.push_back("--overwrite");
    } else if (st.finished && same_params) {
      r.status = TrialResult::Status::Skipped;
      r.message = "already trained";
      try {
        r.best = load_metrics(dir.best_metrics_file());
      } catch (const Error&) {
      }
      out << "search: " << t.name << ": already trained, skipped" << std::endl;
      continue;
    } else if (st.has_outputs()) {
      if (!same_params) {
        r.status = TrialResult::Status::Failed;
        r.exit_code = -1;
        r.message = dir.path() + " holds the outputs of a run with other params (pass --overwrite to replace them)";
        out << "search: " << t.name << ": FAILED: " << r.message << std::endl;
        continue;
      }
      if (fs::exists(dir.last_checkpoint(), ec)) argv.insert(argv.end(), {"--restore_file", "last"});
      else argv.push_back("--overwrite");  // outputs but no checkpoint: nothing to resume
    }
    fs::create_directories(dir.path(), ec);
    EMBER_CHECK(!ec, dir.path(), ": cannot create: ", ec.message());
    if (!same_params) t.params.save(dir.params_file());
    argvs[i] = std::move(argv);
    queue.push_back(i);
  }

  detail::InterruptGuard sigint;
  auto interrupted = [] { return detail::InterruptGuard::requested(); };
  bool forwarded = false;
  std::vector<Running> running;
  size_t next = 0, started = 0;
  const size_t to_run = queue.size();
  while (next < queue.size() || !running.empty()) {
    if (interrupted() && !forwarded) {
      forwarded = true;
      out << "search: interrupted: stopping the running trials (they save a checkpoint first)" << std::endl;
      for (const Running& r : running) ::kill(r.pid, SIGINT);
    }
    while (!interrupted() && next < queue.size() && static_cast<int>(running.size()) < options.jobs) {
      const size_t i = queue[next++];
      const std::string log = (fs::path(options.parent_dir) / trials[i].name / "output.log").string();
      std::string error;
      pid_t pid = spawn(argvs[i], log, env, &error);
      ++started;
      if (pid < 0) {
        results[i].status = TrialResult::Status::Failed;
        results[i].exit_code = -1;
        results[i].message = error;
        out << "search: " << trials[i].name << ": FAILED: " << error << std::endl;
        continue;
      }
      out << "search: [" << started << "/" << to_run << "] " << trials[i].name << ": started (" << join_args(argvs[i])
          << ")" << std::endl;
      running.push_back({i, pid, std::chrono::steady_clock::now()});
    }
    bool reaped = false;
    for (size_t k = 0; k < running.size();) {
      int wstatus = 0;
      pid_t w = ::waitpid(running[k].pid, &wstatus, WNOHANG);
      if (w == 0 || (w < 0 && errno == EINTR)) {
        ++k;
        continue;
      }
      const size_t i = running[k].index;
      TrialResult& r = results[i];
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - running[k].start).count();
      const fs::path tdir = fs::path(options.parent_dir) / trials[i].name;
      const bool exited = w > 0 && WIFEXITED(wstatus);
      r.exit_code = exited ? WEXITSTATUS(wstatus) : (w > 0 && WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : -1);
      if (exited && r.exit_code == 0) {
        r.status = TrialResult::Status::Ok;
      } else {
        r.status = interrupted() ? TrialResult::Status::Interrupted : TrialResult::Status::Failed;
        r.message = last_line((tdir / "output.log").string());
        if (r.message.empty()) r.message = "exit status " + std::to_string(r.exit_code);
      }
      try {
        r.best = load_metrics((tdir / "metrics_val_best_weights.json").string());
      } catch (const Error&) {
      }
      out << "search: " << trials[i].name << ": " << status_name(r.status);
      if (r.status == TrialResult::Status::Ok) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.1f", r.seconds);
        out << " in " << buf << " s";
        for (const auto& [k2, v] : r.best) out << ", " << k2 << " " << format_metric(v);
      } else {
        out << " (exit " << r.exit_code << "): " << r.message << "  [log: " << (tdir / "output.log").string() << "]";
      }
      out << std::endl;
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
      reaped = true;
    }
    if (!reaped && !running.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (size_t k = next; k < queue.size(); ++k) {
    results[queue[k]].status = TrialResult::Status::Interrupted;
    results[queue[k]].message = "not started";
  }
  return results;
}

std::string search_summary(const std::vector<TrialResult>& results, const std::string& metric) {
  std::vector<const TrialResult*> order;
  std::vector<std::string> columns;
  for (const TrialResult& r : results) {
    order.push_back(&r);
    for (const auto& kv : r.best)
      if (kv.first != metric && std::find(columns.begin(), columns.end(), kv.first) == columns.end())
        columns.push_back(kv.first);
  }
  std::sort(columns.begin(), columns.end());
  columns.insert(columns.begin(), metric);
  const bool ascending = lower_is_better(metric);
  auto value = [&](const TrialResult* r) {
    return has_metric(r->best, metric) ? metric_value(r->best, metric) : std::nan("");
  };
  std::stable_sort(order.begin(), order.end(), [&](const TrialResult* a, const TrialResult* b) {
    const double va = value(a), vb = value(b);
    if (std::isnan(va) != std::isnan(vb)) return !std::isnan(va);
    if (std::isnan(va)) return false;
    return ascending ? va < vb : va > vb;
  });
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header = {"trial", "status"};
  header.insert(header.end(), columns.begin(), columns.end());
  header.push_back("seconds");
  cells.push_back(header);
  for (const TrialResult* r : order) {
    std::vector<std::string> line = {r->name, status_name(r->status)};
    for (const std::string& c : columns) line.push_back(has_metric(r->best, c) ? format_metric(metric_value(r->best, c)) : "");
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f", r->seconds);
    line.push_back(r->status == TrialResult::Status::Skipped ? "" : buf);
    cells.push_back(line);
  }
  return detail::markdown_table(cells);
}

}  // namespace ember::train
