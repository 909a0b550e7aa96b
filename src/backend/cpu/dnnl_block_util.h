#pragma once
// Internal: small helpers the oneDNN block kernels share (dnnl_conv_block*.cpp).
#include "backend/cpu/dnnl_context.h"
#include "tensor/make.h"

namespace ember::cpu::block {

// oneDNN memory over a tensor's (or a pointer's) data, in layout `md`.
inline dnnl::memory wrap(const dnnl::memory::desc& md, const Tensor& t) {
  return dnnl::memory(md, dnnl_engine(), t.raw_data());
}
inline dnnl::memory wrap(const dnnl::memory::desc& md, void* p) { return dnnl::memory(md, dnnl_engine(), p); }

// A buffer of `md`'s size in bytes, held by a uint8 tensor.
inline Tensor buffer_for(const dnnl::memory::desc& md) {
  return make_empty({static_cast<int64_t>(md.get_size())}, kUInt8);
}

}  // namespace ember::cpu::block
