// CS230's "Introduction to PyTorch Code Examples" in ember: the TwoLayerNet model, the cross-entropy
// loss (nn::CrossEntropyLoss and the tutorial's own myCrossEntropyLoss written from tensor ops),
// and SGD with momentum and per-layer learning rates, trained on random data.
//
//   ./two_layer_net
//
// Exits non-zero if the two losses disagree, a layer's step ignores its learning rate, or the
// loss does not fall.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <ember/ember.h>

using namespace ember;
namespace F = ember::nn::functional;

// "Models in PyTorch": a single hidden layer network, two nn.Linear modules as members.
class TwoLayerNet : public nn::Module {
 public:
  // D_in: input dimension, H: dimension of the hidden layer, D_out: output dimension.
  TwoLayerNet(int64_t D_in, int64_t H, int64_t D_out) : Module("TwoLayerNet") {
    linear1 = register_module("linear1", std::make_shared<nn::Linear>(D_in, H));
    linear2 = register_module("linear2", std::make_shared<nn::Linear>(H, D_out));
  }
  // x:(N,D_in) -> y_pred:(N,D_out)
  Tensor forward(const Tensor& x) override {
    Tensor h_relu = F::relu(linear1->forward(x));  // (N,H)
    return linear2->forward(h_relu);
  }
  std::shared_ptr<nn::Linear> linear1, linear2;
};

// "Loss Function": the tutorial's myCrossEntropyLoss. outputs:(N,C) logits, labels:(N) int64 -> ().
Tensor my_cross_entropy_loss(const Tensor& outputs, const Tensor& labels) {
  const int64_t batch_size = outputs.size(0);
  Tensor log_probs = F::log_softmax(outputs, 1);              // (N,C): the log of softmax values
  Tensor picked = log_probs.gather(1, labels.unsqueeze(1));  // (N,1): outputs[range(N), labels]
  return -picked.sum() / batch_size;                         // mean negative log-likelihood
}

// Both losses and their gradients with respect to the logits, side by side; true if they agree.
bool losses_agree(const Tensor& logits, const Tensor& labels, nn::CrossEntropyLoss& loss_fn) {
  Tensor out1 = logits.detach().requires_grad_(), out2 = logits.detach().requires_grad_();
  Tensor mine = my_cross_entropy_loss(out1, labels), theirs = loss_fn(out2, labels);
  mine.backward(), theirs.backward();
  std::printf("myCrossEntropyLoss %.7f   nn::CrossEntropyLoss %.7f\n", mine.item<double>(), theirs.item<double>());
  return mine.allclose(theirs, 1e-5, 1e-6) && out1.grad().allclose(out2.grad(), 1e-4, 1e-6);
}

// optimizer.step(), checking each group's own lr: on the first step of SGD with momentum the
// buffer is the gradient itself, so every parameter moves by exactly lr(group) * grad.
bool first_step_uses_group_lrs(optim::Optimizer& optimizer) {
  std::vector<std::vector<Tensor>> before;
  for (auto& group : optimizer.param_groups()) {
    before.emplace_back();
    for (auto& p : group.params) before.back().push_back(p.detach().clone());
  }
  optimizer.step();
  bool all_ok = true;
  for (size_t g = 0; g < before.size(); ++g) {
    const optim::ParamGroup& group = optimizer.param_groups()[g];
    bool ok = true;
    for (size_t i = 0; i < group.params.size(); ++i)
      ok &= (before[g][i] - group.params[i].detach()).allclose(group.lr() * group.params[i].grad(), 1e-3, 1e-7);
    std::printf("group %zu: lr %g, its %zu tensors moved by lr * grad: %s\n", g, group.lr(), group.params.size(),
                ok ? "yes" : "NO");
    all_ok &= ok;
  }
  return all_ok;
}

int main() {
  manual_seed(230);
  // N is batch size; D_in is input dimension; H is the hidden dimension; D_out is output dimension.
  const int64_t N = 32, D_in = 100, H = 50, D_out = 10;
  Tensor x = randn({N, D_in});                 // (32,100)
  Tensor labels = randint(0, D_out, {N});      // (32) classes in [0, 10)
  auto model = std::make_shared<TwoLayerNet>(D_in, H, D_out);
  std::cout << *model << "\n";
  Tensor y_pred = model->forward(x);           // (32,10)

  // ---- Loss: nn's cross entropy and our own must agree, on PyTorch's number too -------------------
  nn::CrossEntropyLoss loss_fn;
  bool ok = losses_agree(y_pred, labels, loss_fn);
  // torch.nn.functional.cross_entropy of these logits and labels, computed with PyTorch 1.13:
  Tensor logits = tensor({1.0f, 2.0f, 3.0f, 0.5f, 0.1f, -1.0f, 2.0f, 0.0f, -0.5f, 0.3f, 0.0f, 1.5f}, {3, 4});
  const double reference = my_cross_entropy_loss(logits, tensor({2, 0, 3})).item<double>();
  ok &= losses_agree(logits, tensor({2, 0, 3}), loss_fn) && std::abs(reference - 1.0520286087) < 1e-6;
  if (!ok) std::fprintf(stderr, "FAIL: the two cross-entropy losses disagree (or differ from PyTorch's)\n");

  // ---- Optimizer: per-layer learning rates with parameter groups ----------------------------------
  // PyTorch: optim.SGD([{'params': model.linear1.parameters()},
  //                     {'params': model.linear2.parameters(), 'lr': 1e-3}], lr=1e-2, momentum=0.9)
  optim::SGD optimizer({{model->linear1->parameters()}, {model->linear2->parameters(), {{"lr", 1e-3}}}},
                       {.lr = 1e-2, .momentum = 0.9});

  // ---- The core training step, 200 times on the same random batch ---------------------------------
  model->train();
  double first_loss = 0, last_loss = 0;
  for (int step = 0; step < 200; ++step) {
    Tensor output_batch = (*model)(x);                       // compute model output, (32,10)
    Tensor loss = my_cross_entropy_loss(output_batch, labels);  // calculate loss, ()
    optimizer.zero_grad();                                   // clear previous gradients
    loss.backward();                                         // gradients of all parameters wrt loss
    if (step == 0) ok &= first_step_uses_group_lrs(optimizer);  // perform updates using the gradients
    else optimizer.step();
    last_loss = loss.item<double>();
    if (step == 0) first_loss = last_loss;
    if (step % 50 == 0) std::printf("step %3d  loss %.4f\n", step, last_loss);
  }

  // ---- Evaluation: the accuracy metric of "Computing Metrics" ---------------------------------------
  model->eval();
  NoGradGuard no_grad;
  Tensor predicted = (*model)(x).argmax(1);  // (32)
  const double accuracy = predicted.eq(labels).to(kFloat64).mean().item<double>();
  std::printf("loss %.4f -> %.4f, training accuracy %.3f\n", first_loss, last_loss, accuracy);
  // 32 random points in 100 dimensions can be memorised: the loss must fall well below its start.
  if (!(last_loss < 0.5 * first_loss)) std::fprintf(stderr, "FAIL: the loss did not fall below half\n"), ok = false;
  return ok ? 0 : 1;
}
