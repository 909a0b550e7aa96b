// LibTorch's one-file equivalent of examples/linear_regression.cpp, for bench/compare's
// compile-time comparison (how long a user's program takes to build against each library).
// Same steps: data, parameters with requires_grad, 1000 gradient-descent steps under no_grad,
// the closed-form check. (LibTorch has no DOT writer: that part of the ember example has no
// counterpart here.)
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <vector>

namespace {

struct Fit {
  double a, b;
};

Fit least_squares(const std::vector<float>& x, const std::vector<float>& y) {
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n, my /= n;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < x.size(); ++i) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
  const double b = sxy / sxx;
  return {my - b * mx, b};
}

}  // namespace

int main() {
  const double true_a = 1, true_b = 2;
  const int64_t N = 100, n_train = N * 8 / 10;
  torch::manual_seed(42);
  torch::Tensor x = torch::rand({N, 1});
  torch::Tensor y = true_a + true_b * x + 0.1 * torch::randn({N, 1});

  torch::Tensor idx = torch::randperm(N);
  std::vector<float> x_train(n_train), y_train(n_train);
  for (int64_t i = 0; i < n_train; ++i) {
    const int64_t j = idx[i].item<int64_t>();
    x_train[i] = x[j][0].item<float>();
    y_train[i] = y[j][0].item<float>();
  }
  torch::Tensor x_train_tensor = torch::tensor(x_train).reshape({n_train, 1});
  torch::Tensor y_train_tensor = torch::tensor(y_train).reshape({n_train, 1});

  torch::manual_seed(42);
  torch::Tensor a = torch::randn({1}, torch::requires_grad());
  torch::Tensor b = torch::randn({1}, torch::requires_grad());
  std::printf("initial a = %.6f, b = %.6f\n", a.item<double>(), b.item<double>());

  const double lr = 0.1;
  torch::Tensor loss;
  for (int epoch = 0; epoch < 1000; ++epoch) {
    torch::Tensor yhat = a + b * x_train_tensor;
    torch::Tensor error = y_train_tensor - yhat;
    loss = (error * error).sum() / n_train;
    loss.backward();
    {
      torch::NoGradGuard no_grad;
      a -= lr * a.grad();
      b -= lr * b.grad();
    }
    a.mutable_grad().zero_();
    b.mutable_grad().zero_();
  }

  const Fit ls = least_squares(x_train, y_train);
  const double ga = a.item<double>(), gb = b.item<double>();
  std::printf("gradient descent: a = %.6f, b = %.6f  (loss %.6f)\n", ga, gb, loss.item<double>());
  std::printf("least squares:    a = %.6f, b = %.6f\n", ls.a, ls.b);
  bool ok = std::abs(ga - ls.a) <= 1e-3 && std::abs(gb - ls.b) <= 1e-3;
  return ok ? 0 : 1;
}
