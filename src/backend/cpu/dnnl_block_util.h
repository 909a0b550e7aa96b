#pragma once
// Internal: small helpers the oneDNN block kernels share (dnnl_conv_block*.cpp).
#include "backend/cpu/dnnl_context.h"
#include "tensor/make.h"

namespace ember::cpu::block {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

// oneDNN memory over a tensor's (or a pointer's) data, in layout `md`.
inline memory wrap(const memory::desc& md, const Tensor& t) { return memory(md, dnnl_engine(), t.raw_data()); }
inline memory wrap(const memory::desc& md, void* p) { return memory(md, dnnl_engine(), p); }

// A buffer of `md`'s size in bytes, held by a uint8 tensor.
inline Tensor buffer_for(const memory::desc& md) {
  return make_empty({static_cast<int64_t>(md.get_size())}, kUInt8);
}

}  // namespace ember::cpu::block
