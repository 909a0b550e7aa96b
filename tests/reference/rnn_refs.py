# Reference numbers for tests/test_rnn.cpp, computed with PyTorch 1.13 in float64:
#   /usr/bin/python3 tests/reference/rnn_refs.py > tests/reference/rnn_refs.inc
# Every input, weight and upstream gradient comes from det() (det.py), which the C++ test
# reproduces exactly (det.h), so only the results are embedded in the test.
import torch

from det import det, emit

torch.set_default_dtype(torch.float64)


def fill(module):
    for i, (_, p) in enumerate(module.named_parameters()):
        with torch.no_grad():
            p.copy_(det(p.shape, 10 + i, 0.8))


def emit(name, t):
    vals = ", ".join("%.12g" % v for v in t.detach().reshape(-1).tolist())
    print("const std::vector<double> %s = {%s};" % (name, vals))


def run(tag, module, x, state, seeds_up):
    fill(module)
    x = x.clone().requires_grad_()
    if state is not None:
        state = tuple(s.clone().requires_grad_() for s in state) if isinstance(state, tuple) else state.clone().requires_grad_()
        out = module(x, state)
    else:
        out = module(x)
    outs = []
    if isinstance(out, tuple):
        for o in out:
            outs.extend(o if isinstance(o, tuple) else (o,))
    else:
        outs = [out]
    loss = sum((o * det(o.shape, seeds_up + k)).sum() for k, o in enumerate(outs))
    loss.backward()
    for k, o in enumerate(outs):
        emit("%s_out%d" % (tag, k), o)
    emit("%s_grad_x" % tag, x.grad)
    if state is not None:
        for k, s in enumerate(state if isinstance(state, tuple) else (state,)):
            emit("%s_grad_state%d" % (tag, k), s.grad)
    named = list(module.named_parameters())
    for name, p in dict([named[1], named[-1]]).items():  # weight_hh_l0 and the last one
        emit("%s_grad_%s" % (tag, name), p.grad)


nn = torch.nn
# GRU: 2 layers, bidirectional, batch_first, given h0. x:(B=2,T=3,3), h0:(4,2,4)
run("gru", nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True), det((2, 3, 3), 1), det((4, 2, 4), 2), 100)
# LSTM: 2 layers, bidirectional, time-major, given (h0, c0). x:(T=3,B=2,3), h0,c0:(4,2,4)
run("lstm", nn.LSTM(3, 4, num_layers=2, bidirectional=True), det((3, 2, 3), 3), (det((4, 2, 4), 4), det((4, 2, 4), 5)), 200)
# RNN relu without bias, one layer; zero initial state. x:(T=4,B=2,3)
run("rnn_relu", nn.RNN(3, 5, nonlinearity="relu", bias=False), det((4, 2, 3), 6, 2.0), None, 300)
# RNN tanh, 2 layers, unbatched input x:(T=3,3), h0:(2,4)
run("rnn_tanh", nn.RNN(3, 4, num_layers=2), det((3, 3), 7), det((2, 4), 8), 400)
# Cells, batch 2
run("lstm_cell", nn.LSTMCell(3, 4), det((2, 3), 9), (det((2, 4), 10), det((2, 4), 11)), 500)
run("gru_cell", nn.GRUCell(3, 4), det((2, 3), 12), det((2, 4), 13), 600)
run("rnn_cell", nn.RNNCell(3, 4, nonlinearity="relu"), det((2, 3), 14, 2.0), det((2, 4), 15), 700)
