#!/usr/bin/python3
"""Prints the PyTorch 1.13 learning-rate sequences embedded in tests/test_lr_scheduler.cpp.

Run: /usr/bin/python3 tests/interop/gen_lr_scheduler_reference.py
Each sequence is the lr of every parameter group in force during epochs 0..E-1, with step()
called after each epoch (step(metric) for ReduceLROnPlateau; metrics are listed in the test).
"""
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.filterwarnings("ignore")
E = 16
METRICS = [1.0, 0.9, 0.91, 0.9, 0.95, 0.89, 0.9, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.84, 0.845, 0.9]


def sgd(groups=1, lr=0.1, momentum=0.0):
    ps = [torch.zeros(1, requires_grad=True) for _ in range(groups)]
    return torch.optim.SGD([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(ps)], lr=lr, momentum=momentum)


def adam(lr=0.1):
    return torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=lr, betas=(0.9, 0.99))


def run(opt, sched, metrics=None, key=None):
    out = []
    for e in range(E):
        out.append([g["lr"] if key is None else key(g) for g in opt.param_groups])
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[e])
    return out


def show(name, seq):
    flat = [x for row in seq for x in row]
    print(f'    {{"{name}", {{{", ".join(repr(float(x)) for x in flat)}}}}},')


o = sgd(); show("multi_step", run(o, S.MultiStepLR(o, [2, 5, 5, 9], gamma=0.3)))
o = sgd(2); show("linear_warmup_2groups", run(o, S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4)))
o = sgd(); show("linear_decay", run(o, S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=6)))
o = sgd(2); show("lambda_2groups", run(o, S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1.0 / (1 + e)])))
o = sgd(); show("cosine_tmax4", run(o, S.CosineAnnealingLR(o, T_max=4, eta_min=0.01)))
o = sgd(); show("exponential_gamma07", run(o, S.ExponentialLR(o, gamma=0.7)))
o = sgd(momentum=0.9); s = S.OneCycleLR(o, max_lr=0.5, total_steps=E)
show("one_cycle_cos_lr", run(o, s))
o = sgd(momentum=0.9); s = S.OneCycleLR(o, max_lr=0.5, total_steps=E)
show("one_cycle_cos_momentum", run(o, s, key=lambda g: g["momentum"]))
o = adam(); s = S.OneCycleLR(o, max_lr=0.3, epochs=4, steps_per_epoch=4, pct_start=0.25, anneal_strategy="linear",
                             three_phase=True, div_factor=10.0, final_div_factor=100.0)
show("one_cycle_linear_three_phase_lr", run(o, s))
o = adam(); s = S.OneCycleLR(o, max_lr=0.3, epochs=4, steps_per_epoch=4, pct_start=0.25, anneal_strategy="linear",
                             three_phase=True, div_factor=10.0, final_div_factor=100.0)
show("one_cycle_linear_three_phase_beta1", run(o, s, key=lambda g: g["betas"][0]))
o = sgd()
s = S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=3), S.ExponentialLR(o, gamma=0.9)], milestones=[4])
show("sequential_linear_exponential", run(o, s))
o = sgd()
s = S.SequentialLR(o, [S.ExponentialLR(o, gamma=0.5), S.CosineAnnealingLR(o, T_max=5), S.StepLR(o, 2, 0.5)],
                   milestones=[3, 9])
show("sequential_three", run(o, s))
o = sgd(2)
show("plateau_max_abs_cooldown", run(o, S.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=1, threshold=0.01,
                                                               threshold_mode="abs", cooldown=2, min_lr=[0.02, 0.06]),
                                     metrics=[-m for m in METRICS]))
o = sgd()
show("plateau_min_rel_eps", run(o, S.ReduceLROnPlateau(o, factor=0.1, patience=0, min_lr=0.0, eps=2e-3), metrics=METRICS))
