# Reference numbers for tests/test_losses.cpp, computed with PyTorch 1.13 in float64:
#   /usr/bin/python3 tests/reference/loss_refs.py > tests/reference/loss_refs.inc
# Inputs come from det() (reproduced by tests/reference/det.h); each case embeds the loss and
# the gradient of sum(loss * det(loss.shape, 99)) with respect to the input (and the target
# where it is differentiable).
import torch

from det import det, emit
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def case(tag, fn, x, t=None, target_grad=False):
    x = x.clone().requires_grad_()
    if target_grad:
        t = t.clone().requires_grad_()
    out = fn(x, t)
    (out * det(out.shape, 99)).sum().backward()
    emit(tag + "_out", out)
    emit(tag + "_gx", x.grad)
    if target_grad:
        emit(tag + "_gt", t.grad)


def classes(n, c, ignore=None, every=4):
    # target k = (2k + 1 + k // 3) % c, and ignore_index at k = 2 (mod `every`) when given
    v = [(2 * k + 1 + k // 3) % c for k in range(n)]
    if ignore is not None:
        v = [ignore if k % every == 2 else v[k] for k in range(n)]
    return torch.tensor(v)


x34, y34 = det((3, 4), 1, 3.0), det((3, 4), 2, 3.0)
case("mse_none", lambda x, t: F.mse_loss(x, t, reduction="none"), x34, y34, True)
case("l1_sum", lambda x, t: F.l1_loss(x, t, reduction="sum"), x34, y34, True)
case("smooth_l1_beta", lambda x, t: F.smooth_l1_loss(x, t, beta=0.5), x34, y34, True)
case("smooth_l1_beta0", lambda x, t: F.smooth_l1_loss(x, t, reduction="none", beta=0.0), x34, y34)
case("huber_delta", lambda x, t: F.huber_loss(x, t, reduction="sum", delta=0.7), x34, y34, True)

w4 = det((4,), 3) + 1.0
print("const std::vector<int64_t> nll_t = {%s};" % ", ".join(map(str, classes(5, 4, 1).tolist())))
case("nll_weight_ignore", lambda x, t: F.nll_loss(x, classes(5, 4, 1), weight=w4, ignore_index=1), det((5, 4), 4))
print("const std::vector<int64_t> nll4d_t = {%s};" % ", ".join(map(str, classes(12, 4).tolist())))
case("nll_4d_none", lambda x, t: F.nll_loss(x, classes(12, 4).reshape(2, 3, 2), reduction="none"), det((2, 4, 3, 2), 5))
case("nll_unbatched_sum", lambda x, t: F.nll_loss(x, torch.tensor(2), reduction="sum"), det((4,), 6))

print("const std::vector<int64_t> ce_t = {%s};" % ", ".join(map(str, classes(6, 5, -1, 3).tolist())))
case("ce_weight_ignore_smooth", lambda x, t: F.cross_entropy(x, classes(6, 5, -1, 3), weight=det((5,), 7) + 1.0,
                                                             ignore_index=-1, label_smoothing=0.2), det((6, 5), 8, 4.0))
case("ce_smooth_mean", lambda x, t: F.cross_entropy(x, classes(6, 5, -1, 3), ignore_index=-1, label_smoothing=0.3),
     det((6, 5), 8, 4.0))
print("const std::vector<int64_t> ce3d_t = {%s};" % ", ".join(map(str, classes(8, 3).tolist())))
case("ce_3d_smooth_sum", lambda x, t: F.cross_entropy(x, classes(8, 3).reshape(2, 4), reduction="sum",
                                                      label_smoothing=0.1), det((2, 3, 4), 9, 4.0))
case("ce_3d_none", lambda x, t: F.cross_entropy(x, classes(8, 3).reshape(2, 4), reduction="none"), det((2, 3, 4), 9, 4.0))
probs = torch.softmax(det((4, 5), 10, 3.0), 1)
case("ce_probs_weight_smooth", lambda x, t: F.cross_entropy(x, t, weight=det((5,), 11) + 1.0, label_smoothing=0.25),
     det((4, 5), 12, 4.0), probs, True)
case("ce_probs_none", lambda x, t: F.cross_entropy(x, t, reduction="none"), det((4, 5), 12, 4.0), probs, True)

p = torch.sigmoid(det((3, 4), 13, 6.0))
tb = torch.sigmoid(det((3, 4), 14, 6.0))
case("bce_weight_none", lambda x, t: F.binary_cross_entropy(x, t, weight=det((4,), 15) + 1.0, reduction="none"), p, tb, True)
case("bcel_pos_weight", lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=det((3, 1), 16) + 1.0,
                                                                        pos_weight=det((4,), 17) + 1.5),
     det((3, 4), 18, 8.0), tb, True)
lp = torch.log_softmax(det((3, 4), 19, 3.0), 1)
case("kl_batchmean", lambda x, t: F.kl_div(x, t, reduction="batchmean"), lp, torch.softmax(det((3, 4), 20, 3.0), 1), True)
case("kl_log_target_sum", lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True), lp,
     torch.log_softmax(det((3, 4), 20, 3.0), 1), True)
case("kl_mean", lambda x, t: F.kl_div(x, t), lp, torch.softmax(det((3, 4), 20, 3.0), 1))
