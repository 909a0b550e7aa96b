// nn.Embedding: an N(0,1) table with the padding_idx row zeroed.
#include "ember/nn/layers/embedding.h"

#include <sstream>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional/embedding.h"
#include "ember/nn/init.h"
#include "ember/nn/layers/activation.h"
#include "ember/tensor/factory.h"

namespace ember::nn {

namespace {
std::optional<int64_t> wrap_padding_idx(std::optional<int64_t> p, int64_t n) {
  if (!p) return p;
  EMBER_CHECK(*p < n && *p >= -n, "Embedding: padding_idx (", *p, ") must be within num_embeddings (", n, ")");
  return *p < 0 ? *p + n : *p;
}
}  // namespace

Embedding::Embedding(int64_t n, int64_t d, std::optional<int64_t> pad, std::optional<double> mn, double nt)
    : Module("Embedding"), num_embeddings(n), embedding_dim(d), padding_idx(wrap_padding_idx(pad, n)), max_norm(mn),
      norm_type(nt) {
  EMBER_CHECK(n >= 0 && d >= 0, "Embedding: num_embeddings and embedding_dim must be non-negative, got ", n, " and ",
              d);
  weight = register_parameter("weight", empty({n, d}));
  reset_parameters();
}

std::shared_ptr<Embedding> Embedding::from_pretrained(const Tensor& embeddings, bool freeze,
                                                      std::optional<int64_t> padding_idx,
                                                      std::optional<double> max_norm, double norm_type) {
  EMBER_CHECK(embeddings.defined() && embeddings.dim() == 2,
              "Embedding.from_pretrained: embeddings must be 2-dimensional, got ",
              embeddings.defined() ? shape_str(embeddings.sizes()) : std::string("undefined"));
  auto m = std::make_shared<Embedding>(embeddings.size(0), embeddings.size(1), padding_idx, max_norm, norm_type);
  NoGradGuard ng;
  m->weight.copy_(embeddings);
  m->weight.requires_grad_(!freeze);
  return m;
}

void Embedding::reset_parameters() {
  init::normal_(weight);
  if (padding_idx) {
    NoGradGuard ng;
    weight.select(0, *padding_idx).fill_(0);
  }
}

Tensor Embedding::forward(const Tensor& indices) {
  return functional::embedding(indices, weight, padding_idx, max_norm, norm_type);
}

std::string Embedding::extra_repr() const {
  std::ostringstream os;
  os << num_embeddings << ", " << embedding_dim;
  if (padding_idx) os << ", padding_idx=" << *padding_idx;
  if (max_norm) os << ", max_norm=" << repr_float(*max_norm);
  if (norm_type != 2.0) os << ", norm_type=" << repr_float(norm_type);
  return os.str();
}

}  // namespace ember::nn
