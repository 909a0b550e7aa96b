// Linear regression from first principles, as in "PyTorch from first principles"
// (after Daniel Voigt Godoy's PyTorch 101): fit y = a + b x with autograd and plain
// gradient descent, then check the result against the closed-form least-squares fit.
//
//   ./linear_regression [out_dir]     writes out_dir/yhat.dot and out_dir/loss.dot
//
// Exits non-zero if gradient descent and least squares disagree.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>
#include <ember/ember.h>

using namespace ember;

namespace {

struct Fit {
  double a, b;
};

// The sanity check the tutorial does with scikit-learn: ordinary least squares in double.
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

int main(int argc, char** argv) {
  const std::string out_dir = argc > 1 ? argv[1] : ".";
  std::filesystem::create_directories(out_dir);

  // ---- Data generation: y = 1 + 2x + 0.1·ε, x ~ U[0,1) -------------------------------
  const double true_a = 1, true_b = 2;
  const int64_t N = 100, n_train = N * 8 / 10;
  manual_seed(42);
  Tensor x = rand({N, 1});
  Tensor y = true_a + true_b * x + 0.1 * randn({N, 1});

  // Shuffle the indices and use the first 80% for training, the rest for validation.
  Tensor idx = randperm(N);
  std::vector<float> x_train(n_train), y_train(n_train);
  for (int64_t i = 0; i < n_train; ++i) {
    const int64_t j = idx.data_ptr<int64_t>()[i];
    x_train[i] = x.data_ptr<float>()[j];
    y_train[i] = y.data_ptr<float>()[j];
  }
  Tensor x_train_tensor = tensor(x_train, {n_train, 1});  // (80,1)
  Tensor y_train_tensor = tensor(y_train, {n_train, 1});  // (80,1)

  // ---- Step 0: random initialisation of the parameters ------------------------------
  manual_seed(42);
  Tensor a = randn({1}, requires_grad());
  Tensor b = randn({1}, requires_grad());
  std::printf("initial a = %.6f, b = %.6f\n", a.item<double>(), b.item<double>());

  const double lr = 0.1;
  const int n_epochs = 1000;
  Tensor loss;
  for (int epoch = 0; epoch < n_epochs; ++epoch) {
    Tensor yhat = a + b * x_train_tensor;     // Step 1: forward pass, (80,1)
    Tensor error = y_train_tensor - yhat;      // Step 2: how wrong is the model?
    loss = (error * error).sum() / n_train;    //         mean squared error, ()
    loss.backward();                           // Step 3: gradients, into a.grad() and b.grad()
    {
      NoGradGuard no_grad;                     // Step 4: update outside the graph
      a -= lr * a.grad();
      b -= lr * b.grad();
    }
    a.grad().zero_();                          // gradients accumulate: clear them
    b.grad().zero_();
  }

  // ---- Sanity check against the closed-form fit -------------------------------------
  const Fit ls = least_squares(x_train, y_train);
  const double ga = a.item<double>(), gb = b.item<double>();
  std::printf("gradient descent: a = %.6f, b = %.6f  (loss %.6f)\n", ga, gb, loss.item<double>());
  std::printf("least squares:    a = %.6f, b = %.6f\n", ls.a, ls.b);
  std::printf("true:             a = %.6f, b = %.6f\n", true_a, true_b);

  // ---- The dynamic graph, as torchviz draws it -------------------------------------
  Tensor yhat = a + b * x_train_tensor;
  Tensor final_error = y_train_tensor - yhat;
  Tensor final_loss = (final_error * final_error).sum() / n_train;
  const std::map<std::string, Tensor> params{{"a", a}, {"b", b}};
  autograd::write_dot(yhat, out_dir + "/yhat.dot", params);
  autograd::write_dot(final_loss, out_dir + "/loss.dot", params);
  std::printf("wrote %s/yhat.dot and %s/loss.dot\n", out_dir.c_str(), out_dir.c_str());

  bool ok = true;
  if (std::abs(ga - ls.a) > 1e-3 || std::abs(gb - ls.b) > 1e-3) {
    std::fprintf(stderr, "FAIL: gradient descent and least squares differ by more than 1e-3\n");
    ok = false;
  }
  if (std::abs(ga - true_a) > 0.1 || std::abs(gb - true_b) > 0.1) {
    std::fprintf(stderr, "FAIL: the fit is more than 0.1 away from the true a = 1, b = 2\n");
    ok = false;
  }
  return ok ? 0 : 1;
}
