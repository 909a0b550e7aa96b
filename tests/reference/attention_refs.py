# Reference numbers for tests/test_attention.cpp, computed with PyTorch 1.13 in float64:
#   /usr/bin/python3 tests/reference/attention_refs.py > tests/reference/attention_refs.inc
# Inputs and parameters come from det() (det.py / det.h); each case embeds the output, the
# attention weights and the gradients of sum(out * det(.., 100)) + sum(weights * det(.., 101)).
import torch

from det import det, emit

torch.set_default_dtype(torch.float64)
nn = torch.nn


def fill(module):
    for i, (_, p) in enumerate(module.named_parameters()):
        with torch.no_grad():
            p.copy_(det(p.shape, 10 + i, 0.8))


def run(tag, mha, q, k, v, **kw):
    fill(mha)
    self_attn = k is None
    q = q.clone().requires_grad_()
    if self_attn:
        k = v = q
    else:
        k = k.clone().requires_grad_()
        v = v.clone().requires_grad_()
    out, w = mha(q, k, v, **kw)
    loss = (out * det(out.shape, 100)).sum()
    if w is not None:
        loss = loss + (w * det(w.shape, 101)).sum()
    loss.backward()
    emit(tag + "_out", out)
    if w is not None:
        emit(tag + "_w", w)
    emit(tag + "_gq", q.grad)
    if not self_attn:
        emit(tag + "_gk", k.grad)
        emit(tag + "_gv", v.grad)
    emit(tag + "_g_in_proj_weight", mha.in_proj_weight.grad)
    emit(tag + "_g_out_proj_weight", mha.out_proj.weight.grad)


# 1. self-attention, batch_first, key padding (the last 2 keys of sample 1), averaged weights.
kpm = torch.tensor([[False, False, False, False], [False, False, True, True]])
run("self_pad", nn.MultiheadAttention(6, 2, batch_first=True), det((2, 4, 6), 1), None, None, key_padding_mask=kpm)
# 2. cross-attention, time-major, float attn_mask (L=3, S=5), per-head weights.
run("cross_float_mask", nn.MultiheadAttention(6, 3), det((3, 2, 6), 2), det((5, 2, 6), 3), det((5, 2, 6), 4),
    attn_mask=det((3, 5), 5, 2.0), average_attn_weights=False)
# 3. unbatched, no bias, causal bool mask, no weights returned.
causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
run("unbatched_causal", nn.MultiheadAttention(4, 2, bias=False), det((4, 4), 6), det((4, 4), 7), det((4, 4), 8),
    attn_mask=causal, need_weights=False)
# 4. 3-D bool attn_mask (N*H, L, S) together with a bool key_padding_mask. (PyTorch 1.13 merges a
#    float key_padding_mask into a bool attn_mask with logical_or, giving NaN; ember adds float
#    masks as documented, like PyTorch 2.)
m3 = torch.tensor([[(i + j + b) % 3 == 0 and j != 0 for j in range(5)] for b in range(4) for i in range(3)]).reshape(4, 3, 5)
kpm5 = torch.tensor([[False] * 5, [False, False, False, True, False]])
run("mask3d_kpm", nn.MultiheadAttention(4, 2), det((3, 2, 4), 9), det((5, 2, 4), 10), det((5, 2, 4), 11),
    attn_mask=m3, key_padding_mask=kpm5)
print("const std::vector<int64_t> m3_mask = {%s};" % ", ".join(str(int(b)) for b in m3.reshape(-1).tolist()))
# 5. a float key_padding_mask (added to the scores), self-attention, time-major.
run("float_kpm", nn.MultiheadAttention(4, 2), det((3, 2, 4), 13), None, None, key_padding_mask=det((2, 3), 14, 3.0))
