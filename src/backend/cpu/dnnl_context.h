#pragma once
// Internal: the one oneDNN CPU engine and stream every oneDNN-backed op shares, and a
// small thread-safe cache of primitives keyed by a string that names the op and its shapes.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "backend/cpu/dnnl_cache.h"

namespace ember::cpu {

dnnl::engine& dnnl_engine();
dnnl::stream& dnnl_stream();

// A map key -> shared_ptr<Entry>, built once per key with `make` (a miss bumps the
// global counter in dnnl_cache.h). Entries are never evicted: a training loop sees a
// handful of shapes.
template <class Entry>
class PrimitiveCache {
 public:
  std::shared_ptr<Entry> get(const std::string& key, const std::function<std::shared_ptr<Entry>()>& make) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = map_.find(key);
      if (it != map_.end()) return it->second;
    }
    auto e = make();  // outside the lock: creation may take a while
    note_dnnl_cache_miss();
    std::lock_guard<std::mutex> lock(mu_);
    return map_.emplace(key, std::move(e)).first->second;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> map_;
};

// A plain memory descriptor over contiguous float32 data of `dims` (row-major, tag by rank).
dnnl::memory::desc plain_f32_md(const dnnl::memory::dims& dims);

// Moves data between a plain layout and a primitive's preferred one. Built once (cached
// with its primitive); `run` returns `m` unchanged when the two layouts are the same.
class Relayout {
 public:
  Relayout() = default;
  Relayout(const dnnl::memory::desc& from, const dnnl::memory::desc& to);
  bool needed() const { return needed_; }
  // Source memory in `from` layout -> memory in `to` layout (fresh buffer when reordered).
  dnnl::memory run(const dnnl::memory& m) const;
  // Reorders `src` (in `from`) into the existing `dst` (in `to`).
  void run_into(const dnnl::memory& src, const dnnl::memory& dst) const;
  const dnnl::memory::desc& to_desc() const { return to_; }

 private:
  bool needed_ = false;
  dnnl::memory::desc to_;
  dnnl::reorder prim_;
};

// Executes `prim` with `args` plus a fresh user scratchpad (primitives are built with
// scratchpad_mode::user so that two threads may run the same cached primitive).
void dnnl_execute(const dnnl::primitive& prim, const dnnl::memory::desc& scratchpad_md,
                  std::unordered_map<int, dnnl::memory> args);
// An attribute with scratchpad_mode::user.
dnnl::primitive_attr dnnl_user_scratchpad_attr();

}  // namespace ember::cpu
