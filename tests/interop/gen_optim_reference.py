#!/usr/bin/python3
"""Prints the PyTorch 1.13 reference numbers embedded in tests/test_optim.cpp.

Run: /usr/bin/python3 tests/interop/gen_optim_reference.py
Inputs are made the same way in the C++ test: param[i] = sin(0.7*i + 0.3), gradient of step k
grad_k[i] = cos(1.3*i + 0.9*k) * (1 + 0.5*k), computed in double and rounded to the parameter's dtype.
"""
import math
import torch

N, STEPS = 7, 4


def inputs(dtype):
    p = torch.tensor([math.sin(0.7 * i + 0.3) for i in range(N)], dtype=dtype)
    gs = [torch.tensor([math.cos(1.3 * i + 0.9 * k) * (1 + 0.5 * k) for i in range(N)], dtype=dtype)
          for k in range(STEPS)]
    return p, gs


CASES = [
    ("sgd_plain", torch.optim.SGD, dict(lr=0.1)),
    ("sgd_momentum_dampening", torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("sgd_nesterov_wd", torch.optim.SGD, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("sgd_maximize", torch.optim.SGD, dict(lr=0.1, momentum=0.5, maximize=True)),
    ("adam_default", torch.optim.Adam, dict(lr=0.01)),
    ("adam_wd_amsgrad", torch.optim.Adam, dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05, amsgrad=True)),
    ("adam_maximize", torch.optim.Adam, dict(lr=0.01, maximize=True)),
    ("adamw_default", torch.optim.AdamW, dict(lr=0.01)),
    ("adamw_amsgrad", torch.optim.AdamW, dict(lr=0.03, weight_decay=0.2, amsgrad=True)),
    ("rmsprop_default", torch.optim.RMSprop, dict(lr=0.01)),
    ("rmsprop_centered_momentum_wd", torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.7, centered=True, weight_decay=0.05)),
    ("rmsprop_centered", torch.optim.RMSprop, dict(lr=0.005, centered=True, eps=1e-4)),
    ("adagrad_default", torch.optim.Adagrad, dict(lr=0.1)),
    ("adagrad_decay_wd_init", torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2, eps=1e-8)),
    ("adagrad_maximize", torch.optim.Adagrad, dict(lr=0.1, maximize=True)),
]


def run(cls, kw, dtype):
    p, gs = inputs(dtype)
    p = p.clone().requires_grad_(True)
    opt = cls([p], **kw)
    for g in gs:
        p.grad = g.clone()
        opt.step()
    return p.detach()


def fmt(t):
    return ", ".join(repr(float(x)) for x in t)


for name, cls, kw in CASES:
    print(f'    {{"{name}", {{{fmt(run(cls, kw, torch.float32))}}}}},')
print("float64:")
for name, cls, kw in CASES:
    if name in ("adam_wd_amsgrad", "rmsprop_centered_momentum_wd", "sgd_nesterov_wd", "adagrad_decay_wd_init"):
        print(f'    {{"{name}", {{{fmt(run(cls, kw, torch.float64))}}}}},')

# Parameter groups: group 0 (lr 0.1, momentum 0.9) and group 1 (lr 0.01, defaults momentum 0.5).
print("groups:")
p, gs = inputs(torch.float32)
a = p[:3].clone().requires_grad_(True)
b = p[3:].clone().requires_grad_(True)
opt = torch.optim.SGD([{"params": [a], "momentum": 0.9}, {"params": [b], "lr": 0.01}], lr=0.1, momentum=0.5)
for g in gs:
    a.grad = g[:3].clone()
    b.grad = g[3:].clone()
    opt.step()
print("   ", fmt(a.detach()), "|", fmt(b.detach()))

# clip_grad_norm_ / clip_grad_value_ on two gradients (the step-0 and step-1 gradients).
print("clip:")
for norm_type in (2.0, 1.0, float("inf"), 3.0):
    x = torch.zeros(N, requires_grad=True)
    y = torch.zeros(4, requires_grad=True)
    x.grad = gs[0].clone()
    y.grad = gs[1][:4].clone()
    total = torch.nn.utils.clip_grad_norm_([x, y], max_norm=0.5, norm_type=norm_type)
    print(f"    norm_type={norm_type}: total={float(total)!r} x={fmt(x.grad)} y={fmt(y.grad)}")
x = torch.zeros(N, requires_grad=True)
x.grad = gs[1].clone()
torch.nn.utils.clip_grad_value_([x], 0.6)
print("    value 0.6:", fmt(x.grad))
