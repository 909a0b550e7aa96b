#include "backend/cpu/dnnl_context.h"

#include <atomic>
#include <cstring>

#include "backend/cpu/parallel_for.h"

namespace ember::cpu {

namespace {
std::atomic<int64_t> g_misses{0};
}

int64_t dnnl_cache_misses() { return g_misses.load(); }
void note_dnnl_cache_miss() { ++g_misses; }

dnnl::engine& dnnl_engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& dnnl_stream() {
  // One stream per thread: a oneDNN CPU stream is cheap and not meant to be shared across threads.
  thread_local dnnl::stream s(dnnl_engine());
  return s;
}

dnnl::memory::desc plain_f32_md(const dnnl::memory::dims& dims) {
  using tag = dnnl::memory::format_tag;
  tag t = tag::a;
  switch (dims.size()) {
    case 1: t = tag::a; break;
    case 2: t = tag::ab; break;
    case 3: t = tag::abc; break;
    case 4: t = tag::abcd; break;
    case 5: t = tag::abcde; break;
    default: t = tag::abcdef; break;
  }
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, t);
}

Relayout::Relayout(const dnnl::memory::desc& from, const dnnl::memory::desc& to) : needed_(from != to), to_(to) {
  if (needed_) prim_ = dnnl::reorder(dnnl::reorder::primitive_desc(dnnl_engine(), from, dnnl_engine(), to));
}

dnnl::memory Relayout::run(const dnnl::memory& m) const {
  if (!needed_) return m;
  dnnl::memory out(to_, dnnl_engine());
  prim_.execute(dnnl_stream(), const_cast<dnnl::memory&>(m), out);
  return out;
}

void Relayout::run_into(const dnnl::memory& src, const dnnl::memory& dst) const {
  if (!needed_) {
    // same layout: plain copy
    std::memcpy(dst.get_data_handle(), src.get_data_handle(), to_.get_size());
    return;
  }
  prim_.execute(dnnl_stream(), const_cast<dnnl::memory&>(src), const_cast<dnnl::memory&>(dst));
}

dnnl::primitive_attr dnnl_user_scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void dnnl_execute(const dnnl::primitive& prim, const dnnl::memory::desc& scratchpad_md,
                  std::unordered_map<int, dnnl::memory> args) {
  max_threads();  // oneDNN reads this thread's OpenMP setting
  if (scratchpad_md.get_size() > 0) args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchpad_md, dnnl_engine()));
  prim.execute(dnnl_stream(), args);
  dnnl_stream().wait();
}

}  // namespace ember::cpu
