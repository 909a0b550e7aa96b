#pragma once
// What both sides of the workloads share (framework-free): timing, the --steps/--seed options,
// max RSS, the JSON line, and main()'s argument parsing and dispatch. Each side supplies its
// workloads and how to set its thread count.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <iostream>
#include <string>

namespace workloads {

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

inline int64_t g_steps = -1;  // --steps: a profiling run's limit; -1 runs the whole workload
inline uint64_t g_seed = 0;   // --seed
inline const char* g_side = "";  // "ember" or "libtorch", for the JSON line

// The number of steps to run: `full`, or fewer under --steps.
inline int64_t limit(int64_t full) { return g_steps < 0 ? full : std::min(full, g_steps); }

inline double max_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

// {"side":...,"workload":"W2","seconds":...,"<metric>":...<extra>[,"partial":true],"max_rss_mb":...}
inline void emit(const std::string& w, double seconds, const std::string& metric_name, double metric,
                 const std::string& extra = "") {
  std::printf("{\"side\":\"%s\",\"workload\":\"%s\",\"seconds\":%.6f,\"%s\":%.6f%s%s,\"max_rss_mb\":%.1f}\n", g_side,
              w.c_str(), seconds, metric_name.c_str(), metric, extra.c_str(), g_steps < 0 ? "" : ",\"partial\":true",
              max_rss_mb());
  std::fflush(stdout);
}

// Each workload gets the Fashion-MNIST directory (W1 and W5 ignore it).
struct Workloads {
  std::function<void(const std::string&)> w1, w2, w3, w4, w5;
};

//   <side>_workloads W1|W2|W3|W4|W5 [--data DIR] [--threads N] [--steps N] [--seed S]
inline int main(int argc, char** argv, const char* side, const std::function<void(int)>& set_threads,
                const Workloads& ws) {
  g_side = side;
  const std::string w = argc > 1 ? argv[1] : "";
  std::string dir = "/usr/share/datasets/fashion-mnist";
  int threads = 2;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--data") == 0) dir = argv[i + 1];
    else if (std::strcmp(argv[i], "--threads") == 0) threads = std::stoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--steps") == 0) g_steps = std::stoll(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seed") == 0) g_seed = std::stoull(argv[i + 1]);
  }
  set_threads(threads);
  const auto& run = w == "W1" ? ws.w1 : w == "W2" ? ws.w2 : w == "W3" ? ws.w3 : w == "W4" ? ws.w4 : ws.w5;
  if (w != "W1" && w != "W2" && w != "W3" && w != "W4" && w != "W5") {
    std::cerr << "usage: " << side << "_workloads W1|W2|W3|W4|W5 [--data DIR] [--threads N] [--steps N] [--seed S]\n";
    return 2;
  }
  try {
    run(dir);
  } catch (const std::exception& e) {
    std::cerr << side << "_workloads " << w << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace workloads
