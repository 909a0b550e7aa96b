#include "ember/tensor/tensor.h"

#include "core/small_alloc.h"

#include <cstring>

#include "autograd/record.h"
#include "backend/cpu/dispatch.h"
#include "ember/autograd/engine.h"
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember {

TensorImpl::TensorImpl(Storage s, Layout l, DType d) : storage(std::move(s)), layout(std::move(l)), dtype(d) {}
TensorImpl::~TensorImpl() = default;

Tensor make_empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape) EMBER_CHECK(d >= 0, "empty: negative dimension in shape ", shape_str(shape));
  // the byte count must not wrap around (a wrapped one allocates too little and writes overrun it)
  int64_t nbytes = 0;
  EMBER_CHECK(!__builtin_mul_overflow(shape_numel(shape), static_cast<int64_t>(element_size(dtype)), &nbytes),
              "empty: shape ", shape_str(shape), " of ", dtype_name(dtype), " needs more bytes than memory can address");
  auto storage = std::allocate_shared<StorageImpl>(detail::PoolAllocator<StorageImpl>(), static_cast<size_t>(nbytes), device);
  return Tensor(std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>(), std::move(storage), Layout::contiguous(shape), dtype));
}

Tensor make_tensor(Storage storage, Layout layout, DType dtype) {
  return Tensor(std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>(), std::move(storage), std::move(layout), dtype));
}

Tensor make_view(const Tensor& t, Layout layout) {
  auto impl = std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>(), t.storage(), std::move(layout), t.dtype());
  impl->is_view = true;
  const TensorImpl& src = *t.impl();
  impl->view_base = src.view_base ? src.view_base : t.impl_ptr();
  impl->view_version = src.storage->version();
  impl->view_no_grad = !GradMode::is_enabled();
  return Tensor(std::move(impl));
}

void Tensor::throw_undefined() { EMBER_THROW("Tensor: the tensor is undefined (default-constructed)"); }

void Tensor::check_dtype(DType expected, const char* op) const {
  EMBER_CHECK(dtype() == expected, op, ": expected dtype ", dtype_name(expected), " but the tensor is ",
              dtype_name(dtype()));
}

int64_t Tensor::size(int64_t d) const {
  d = wrap_dim(d, dim(), "size");
  return dim() == 0 ? 1 : sizes()[d];
}

int64_t Tensor::stride(int64_t d) const {
  d = wrap_dim(d, dim(), "stride");
  return dim() == 0 ? 1 : strides()[d];
}

void* Tensor::raw_data() const {
  const TensorImpl& t = checked();
  return static_cast<char*>(t.storage->data()) + t.layout.offset * static_cast<int64_t>(ember::element_size(t.dtype));
}

Scalar Tensor::item_scalar() const {
  EMBER_CHECK(numel() == 1, "item: a tensor with ", numel(), " elements (shape ", shape_str(sizes()),
              ") cannot be converted to a scalar");
  return cpu::dispatch_all(dtype(), "item", [&](auto tag) -> Scalar {
    using T = decltype(tag);
    T v;
    std::memcpy(&v, raw_data(), sizeof(T));
    if constexpr (std::is_floating_point_v<T>) return Scalar(static_cast<double>(v));
    else if constexpr (std::is_same_v<T, bool>) return Scalar(v);
    else return Scalar(static_cast<int64_t>(v));
  });
}

// ---- autograd --------------------------------------------------------------------------

bool Tensor::requires_grad() const {
  if (impl_ && impl_->view_base) autograd::refresh_stale_view(*this);
  auto* m = autograd::meta_or_null(*this);
  return m && m->requires_grad;
}

Tensor& Tensor::requires_grad_(bool r) {
  if (r) {
    EMBER_CHECK(is_floating(dtype()), "requires_grad_: only tensors of floating point dtype can require "
                "gradients (got ", dtype_name(dtype()), ")");
  }
  auto* m = autograd::meta_or_null(*this);
  if (m && m->grad_fn) {
    EMBER_CHECK(r, "requires_grad_: you can only change requires_grad flags of leaf variables. If you want "
                "to use a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().");
    return *this;
  }
  autograd::meta(*this).requires_grad = r;
  return *this;
}

Tensor Tensor::grad() const {
  auto* m = autograd::meta_or_null(*this);
  return m ? m->grad : Tensor();
}

Tensor& Tensor::mutable_grad() { return autograd::meta(*this).grad; }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined()) {
    EMBER_CHECK(g.sizes() == sizes(), "set_grad: assigned grad has shape ", shape_str(g.sizes()),
                " but the tensor has shape ", shape_str(sizes()));
    EMBER_CHECK(g.dtype() == dtype(), "set_grad: assigned grad has dtype ", dtype_name(g.dtype()),
                " but the tensor has dtype ", dtype_name(dtype()));
  }
  autograd::meta(*this).grad = g;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  if (impl_ && impl_->view_base) autograd::refresh_stale_view(*this);
  auto* m = autograd::meta_or_null(*this);
  return m ? m->grad_fn : nullptr;
}

uint32_t Tensor::output_nr() const {
  auto* m = autograd::meta_or_null(*this);
  return m ? m->output_nr : 0;
}

bool Tensor::is_leaf() const { return grad_fn() == nullptr; }

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
  TensorList grads;
  if (gradient.defined()) grads.push_back(gradient);
  autograd::backward({*this}, grads, retain_graph, create_graph);
}

Tensor Tensor::detach() const {
  auto impl = std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>(), storage(), layout(), dtype());
  impl->is_view = checked().is_view;
  return Tensor(std::move(impl));
}

Tensor& Tensor::detach_() {
  auto* m = autograd::meta_or_null(*this);
  if (m) {
    m->grad_fn.reset();
    m->output_nr = 0;
    m->requires_grad = false;
  }
  return *this;
}

void Tensor::retain_grad() const {
  EMBER_CHECK(requires_grad(), "retain_grad: can't retain_grad on a tensor that has requires_grad=False");
  auto& m = autograd::meta(*this);
  if (!m.grad_fn || m.retains_grad) return;  // leaves keep their grad anyway
  m.retains_grad = true;
  std::weak_ptr<TensorImpl> weak = impl_;
  m.retain_grad_hook = m.grad_fn->add_pre_hook(m.output_nr, [weak](const Tensor& g) -> Tensor {
    if (auto t = weak.lock()) {
      auto& mm = *t->autograd_meta;
      if (!mm.grad.defined()) mm.grad = g.detach().clone();
      else mm.grad = mm.grad + g.detach();
    }
    return Tensor();
  });
}

bool Tensor::retains_grad() const {
  auto* m = autograd::meta_or_null(*this);
  return m && m->retains_grad;
}

int Tensor::register_hook(Hook hook) const {
  EMBER_CHECK(requires_grad(), "register_hook: cannot register a hook on a tensor that doesn't require gradient");
  auto& m = autograd::meta(*this);
  if (m.grad_fn) return m.grad_fn->add_pre_hook(m.output_nr, std::move(hook));
  int h = autograd::next_hook_handle();
  m.hooks.emplace_back(h, std::move(hook));
  return h;
}

void Tensor::remove_hook(int handle) const {
  auto* m = autograd::meta_or_null(*this);
  if (!m) return;
  if (m->grad_fn && m->grad_fn->remove_pre_hook(handle)) return;
  std::erase_if(m->hooks, [&](auto& p) { return p.first == handle; });
}

}  // namespace ember
