# Shared by the reference scripts: det() (the inputs tests/reference/det.h reproduces in C++)
# and emit() (a tensor as a C++ std::vector<double> literal).
import torch


def det(shape, seed, scale=1.0):
    n = 1
    for s in shape:
        n *= s
    v = [(((k * 7919 + seed * 104729) % 2003) / 2003.0 - 0.5) * scale for k in range(n)]
    return torch.tensor(v, dtype=torch.float64).reshape(shape)


def emit(name, t):
    vals = ", ".join("%.12g" % v for v in t.detach().reshape(-1).tolist())
    print("const std::vector<double> %s = {%s};" % (name, vals))
