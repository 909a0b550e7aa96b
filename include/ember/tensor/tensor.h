#pragma once
// Tensor: a cheap handle (shared_ptr<TensorImpl>). Copying a Tensor shares the data;
// clone() is the explicit deep copy. A TensorImpl holds Storage, Layout, DType and,
// once autograd needs it, an AutogradMeta (requires_grad, grad, grad_fn, hooks).
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/error.h"
#include "ember/core/scalar.h"
#include "ember/core/shape.h"
#include "ember/tensor/layout.h"
#include "ember/tensor/storage.h"

namespace ember {

namespace autograd {
class Node;
struct AutogradMeta;
}  // namespace autograd

class Tensor;
class TensorIndex;
using TensorList = std::vector<Tensor>;

class TensorImpl {
 public:
  TensorImpl(Storage storage, Layout layout, DType dtype);
  ~TensorImpl();
  Storage storage;
  Layout layout;
  DType dtype;
  std::unique_ptr<autograd::AutogradMeta> autograd_meta;  // null until autograd needs it
  bool is_wrapped_number = false;  // made from a Scalar: lowest priority in type promotion
  bool is_view = false;            // shares storage with a tensor it was derived from
  // For a view made by a view op: the tensor at the root of its view chain (not itself a view).
  // An in-place op on the view under autograd rewrites the base's history (PyTorch's
  // CopySlices). detach() makes a view without a base.
  std::shared_ptr<TensorImpl> view_base;
  // The storage version this view's history reflects: after an in-place write through another
  // alias, the view's history is rebuilt from its base's (as PyTorch regenerates grad_fn).
  uint64_t view_version = 0;
  // Made while grad mode was off: never differentiable (PyTorch's rule); modifying it in place
  // with grad mode on while its base requires grad is an error.
  bool view_no_grad = false;
};

// What a factory makes: dtype, device and requires_grad. Implicit from a DType.
struct TensorOptions {
  DType dtype_ = kFloat32;
  Device device_{};
  bool requires_grad_ = false;
  bool has_dtype_ = false;
  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d), has_dtype_(true) {}
  TensorOptions(Device d) : device_(d) {}
  TensorOptions dtype(DType d) const { auto o = *this; o.dtype_ = d; o.has_dtype_ = true; return o; }
  TensorOptions device(Device d) const { auto o = *this; o.device_ = d; return o; }
  TensorOptions requires_grad(bool r = true) const { auto o = *this; o.requires_grad_ = r; return o; }
};
inline TensorOptions dtype(DType d) { return TensorOptions(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

class Tensor {
 public:
  using Hook = std::function<Tensor(const Tensor&)>;  // return an undefined Tensor to keep the grad

  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- metadata -------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  const Shape& sizes() const { return checked().layout.sizes; }
  const Shape& shape() const { return sizes(); }
  const Shape& strides() const { return checked().layout.strides; }
  const Layout& layout() const { return checked().layout; }
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return checked().layout.dim(); }
  int64_t ndimension() const { return dim(); }
  int64_t numel() const { return checked().layout.numel(); }
  int64_t storage_offset() const { return checked().layout.offset; }
  DType dtype() const { return checked().dtype; }
  Device device() const { return checked().storage->device(); }
  bool is_contiguous() const { return checked().layout.is_contiguous(); }
  bool is_floating_point() const { return is_floating(dtype()); }
  size_t element_size() const { return ember::element_size(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  const Storage& storage() const { return checked().storage; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  uint64_t _version() const { return checked().storage->version(); }
  TensorOptions options() const { return TensorOptions(dtype()).device(device()); }

  // ---- element access -------------------------------------------------------------
  // Pointer to the first element (storage data + offset). data_ptr<T> checks that T is the dtype.
  void* raw_data() const;
  template <class T> T* data_ptr() const {
    check_dtype(dtype_of_v<T>, "data_ptr");
    return static_cast<T*>(raw_data());
  }
  // The value of a one-element tensor, converted to T.
  template <class T> T item() const { return item_scalar().to<T>(); }
  Scalar item_scalar() const;

  // ---- autograd -------------------------------------------------------------------
  bool requires_grad() const;
  Tensor& requires_grad_(bool requires_grad = true);
  // The accumulated gradient (undefined until a backward reaches this tensor).
  Tensor grad() const;
  Tensor& mutable_grad();
  void set_grad(const Tensor& g);
  std::shared_ptr<autograd::Node> grad_fn() const;
  uint32_t output_nr() const;
  bool is_leaf() const;
  void backward(const Tensor& gradient = Tensor(), std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  Tensor detach() const;
  Tensor& detach_();
  void retain_grad() const;
  bool retains_grad() const;
  // A hook sees the gradient flowing into this tensor and may return a replacement.
  int register_hook(Hook hook) const;
  void remove_hook(int handle) const;

  // ---- conversion and copies ----------------------------------------------------
  Tensor to(DType dtype, bool copy = false) const;
  Tensor to(Device device, bool copy = false) const;
  Tensor clone() const;
  Tensor contiguous() const;
  Tensor& copy_(const Tensor& src);  // broadcasts and converts src

  // ---- views (share storage) ----------------------------------------------------
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, const Shape& sizes) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor expand(const Shape& sizes) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split(const std::vector<int64_t>& sizes, int64_t dim = 0) const;
  // Python indexing: t.index({Slice(), Slice(1, 7, 2)}), t.index({0, None, Ellipsis}).
  Tensor index(std::initializer_list<TensorIndex> indices) const;
  Tensor index(const std::vector<TensorIndex>& indices) const;
  Tensor operator[](int64_t i) const { return select(0, i); }
  // Assign through an index: t.index_put_({Slice(), 0}, value).
  Tensor& index_put_(const std::vector<TensorIndex>& indices, const Tensor& value);
  Tensor& index_put_(const std::vector<TensorIndex>& indices, Scalar value);

  // ---- math (method forms of the free functions in ops.h) ----------------------
  Tensor add(const Tensor& o, Scalar alpha = 1) const;
  Tensor sub(const Tensor& o, Scalar alpha = 1) const;
  Tensor mul(const Tensor& o) const;
  Tensor div(const Tensor& o) const;
  Tensor neg() const;
  Tensor pow(const Tensor& e) const;
  Tensor pow(Scalar e) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor log1p() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor sum() const;
  Tensor sum(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor var(bool unbiased = true) const;
  Tensor var(const std::vector<int64_t>& dims, bool unbiased = true, bool keepdim = false) const;
  Tensor std(bool unbiased = true) const;
  Tensor std(const std::vector<int64_t>& dims, bool unbiased = true, bool keepdim = false) const;
  // (so that var({1}) means dim 1, not unbiased = true)
  Tensor var(std::initializer_list<int64_t> dims, bool unbiased = true, bool keepdim = false) const {
    return var(std::vector<int64_t>(dims), unbiased, keepdim);
  }
  Tensor std(std::initializer_list<int64_t> dims, bool unbiased = true, bool keepdim = false) const {
    return std(std::vector<int64_t>(dims), unbiased, keepdim);
  }
  Tensor norm(double p = 2) const;
  Tensor norm(double p, const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor logsumexp(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor all() const;
  Tensor any() const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  Tensor matmul(const Tensor& o) const;
  Tensor mm(const Tensor& o) const;
  Tensor masked_fill(const Tensor& mask, Scalar value) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor eq(const Tensor& o) const;
  Tensor eq(Scalar o) const;
  bool equal(const Tensor& o) const;  // same shape and values
  bool allclose(const Tensor& o, double rtol = 1e-5, double atol = 1e-8) const;

  // ---- in-place (bump the version; illegal on a leaf that requires grad) --------
  Tensor& add_(const Tensor& o, Scalar alpha = 1);
  Tensor& add_(Scalar o);
  Tensor& sub_(const Tensor& o, Scalar alpha = 1);
  Tensor& sub_(Scalar o);
  Tensor& mul_(const Tensor& o);
  Tensor& mul_(Scalar o);
  Tensor& div_(const Tensor& o);
  Tensor& div_(Scalar o);
  Tensor& neg_();
  Tensor& pow_(Scalar e);
  Tensor& exp_();
  Tensor& sqrt_();
  Tensor& relu_();
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
  Tensor& zero_();
  Tensor& fill_(Scalar v);
  Tensor& masked_fill_(const Tensor& mask, Scalar value);
  Tensor& uniform_(double from = 0.0, double to = 1.0);
  Tensor& normal_(double mean = 0.0, double std = 1.0);

 private:
  const TensorImpl& checked() const {
    if (!impl_) throw_undefined();
    return *impl_;
  }
  [[noreturn]] static void throw_undefined();
  void check_dtype(DType expected, const char* op) const;
  std::shared_ptr<TensorImpl> impl_;
};

// Printing in PyTorch's style: "tensor([[1., 2.],\n        [3., 4.]])", with
// ", dtype=torch.float64" / ", requires_grad=True" / ", grad_fn=<AddBackward0>" where PyTorch shows them.
std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string to_string(const Tensor& t);

}  // namespace ember
