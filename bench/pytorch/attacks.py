#!/usr/bin/env python3
"""The PyTorch twins of Bulwark's FGSM, PGD/BIM, DeepFool, C&W L2 and JSMA, run on the same weights and inputs.

Written from the algorithms' descriptions (the same choices Bulwark makes: ground-truth labels, freeze an input once
it is adversarial, DeepFool's candidates = top-10 original logits, step (|f|/||w|| + 1e-4)·w/||w||, check at
clamp(x + (1+overshoot)·r) to [0,1], linearised at that same point as LTS4 does). With --compare FILE it reads Bulwark's adversarials (saved by
`bulwark attack --save FILE`) and prints the largest difference. Prints one JSON object as its last line.
Run with Debian's interpreter: /usr/bin/python3.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import safetensors_np
from mnist_idx import load_mnist
from train_step import lenet5


class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x):
        return (x - self.mean) / self.std


class DirectInputGradientConv2d(torch.autograd.Function):
    """Bulwark's route for the input gradient of a float convolution with at most 3 input channels (native/src/Nn.cpp):
    libtorch's direct kernel instead of oneDNN's. With --same-kernels the twin takes it too, so that a comparison of
    adversarial examples is not blurred by two kernels rounding differently (parameters are frozen in the attacks)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding):
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding = stride, padding
        return F.conv2d(x, weight, bias, stride, padding)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        gx = torch.ops.aten._slow_conv2d_backward(grad, x, weight, list(weight.shape[2:]), list(ctx.stride), list(ctx.padding),
                                                  [True, False, False])[0]
        return gx, None, None, None, None


def use_direct_input_gradient(model):
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and m.in_channels <= 3 and m.groups == 1 and m.dilation == (1, 1):
            m.forward = lambda x, m=m: DirectInputGradientConv2d.apply(x, m.weight, m.bias, m.stride, m.padding)


def load_model(run):
    spec = json.load(open(os.path.join(run, "model.json")))
    if spec["architecture"] != "lenet5":
        raise SystemExit("only lenet5 is written in PyTorch here")
    layers = list(lenet5())
    if spec.get("mean"):
        layers.insert(0, Standardize(spec["mean"], spec["std"]))
    model = nn.Sequential(*layers)
    weights, _ = safetensors_np.load(os.path.join(run, "best.safetensors"))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    return model.eval()


def fgsm(model, x, y, eps):
    x = x.clone().requires_grad_()
    (g,) = torch.autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), x)
    return (x + eps * g.sign()).clamp(0, 1).detach()


def pgd(model, x, y, eps, steps, step_size):
    adv = x.clone()
    active = torch.arange(len(x))
    for _ in range(steps):
        if len(active) == 0:
            break
        cur = adv[active].clone().requires_grad_()
        logits = model(cur)
        (g,) = torch.autograd.grad(F.cross_entropy(logits, y[active], reduction="sum"), cur)
        still = logits.argmax(1) == y[active]
        active, cur, g = active[still], cur[still].detach(), g[still]
        if len(active) == 0:
            break
        x0 = x[active]
        nxt = (x0 + (cur + step_size * g.sign() - x0).clamp(-eps, eps)).clamp(0, 1)
        adv[active] = nxt
    return adv


def deepfool(model, x, y, steps=50, overshoot=0.02, candidates=10):
    n = len(x)
    with torch.no_grad():
        logits0 = model(x)
    k = min(candidates, logits0.shape[1])
    cand = logits0.topk(k, 1).indices
    total = torch.zeros_like(x)
    active = (logits0.argmax(1) == y).nonzero().squeeze(1)
    classes = logits0.shape[1]
    for _ in range(steps):
        if len(active) == 0:
            break
        point = (x[active] + (1 + overshoot) * total[active]).clamp(0, 1)
        m = len(active)
        rep = point.unsqueeze(0).expand(classes, *point.shape).reshape(classes * m, *point.shape[1:]).clone().requires_grad_()
        out = model(rep)
        sel = torch.eye(classes).unsqueeze(1).expand(classes, m, classes).reshape(classes * m, classes)
        (grad,) = torch.autograd.grad((out * sel).sum(), rep)
        jac = grad.view(classes, m, -1).transpose(0, 1)
        logits = out.detach()[:m]
        lab = y[active]
        c = cand[active]
        f = logits.gather(1, c) - logits.gather(1, lab[:, None])
        w = jac.gather(1, c[:, :, None].expand(m, k, jac.shape[2])) - jac.gather(1, lab.view(-1, 1, 1).expand(m, 1, jac.shape[2]))
        dist = f.abs() / w.norm(dim=2).clamp_min(1e-12)
        dist = dist.masked_fill(c == lab[:, None], float("inf"))
        near, idx = dist.min(1, keepdim=True)
        chosen = w.gather(1, idx[:, :, None].expand(m, 1, w.shape[2])).squeeze(1)
        step = (chosen / chosen.norm(dim=1, keepdim=True).clamp_min(1e-12) * (near + 1e-4)).view(point.shape)
        total[active] = total[active] + step
        with torch.no_grad():
            done = model((x[active] + (1 + overshoot) * total[active]).clamp(0, 1)).argmax(1) != lab
        active = active[~done]
    return (x + (1 + overshoot) * total).clamp(0, 1)


def deepfool_plain(model, x, y, steps=50, overshoot=0.02, candidates=10, difference_gradients=False):
    """DeepFool as reference code writes it: one backward pass per candidate class, over the whole batch every
    iteration, finished inputs masked rather than dropped (the LTS4 loop, batched as torchattacks does)."""
    with torch.no_grad():
        logits0 = model(x)
    k = min(candidates, logits0.shape[1])
    cand = logits0.topk(k, 1).indices
    total = torch.zeros_like(x)
    active = logits0.argmax(1) == y
    rows = torch.arange(len(x))
    for _ in range(steps):
        if not active.any():
            break
        point = (x + (1 + overshoot) * total).clamp(0, 1).requires_grad_()
        logits = model(point)
        # Bulwark's arithmetic (difference_gradients) never forms the label's own gradient
        label_grad = None if difference_gradients else torch.autograd.grad(logits[rows, y].sum(), point, retain_graph=True)[0].flatten(1)
        best, best_w = None, None
        for j in range(k):
            cls = cand[:, j]
            if difference_gradients:
                # Bulwark's arithmetic: the gradient of f_k − f_label in one pass, not the difference of two gradients
                w = torch.autograd.grad((logits[rows, cls] - logits[rows, y]).sum(), point, retain_graph=j < k - 1)[0].flatten(1)
            else:
                g = torch.autograd.grad(logits[rows, cls].sum(), point, retain_graph=j < k - 1)[0].flatten(1)
                w = g - label_grad
            f = (logits[rows, cls] - logits[rows, y]).detach()
            dist = f.abs() / w.norm(dim=1).clamp_min(1e-12)
            dist = dist.masked_fill(cls == y, float("inf"))
            if best is None:
                best, best_w = dist, w
            else:
                better = dist < best
                best = torch.where(better, dist, best)
                best_w = torch.where(better[:, None], w, best_w)
        step = (best_w / best_w.norm(dim=1, keepdim=True).clamp_min(1e-12) * (best[:, None] + 1e-4)).view(x.shape)
        total = torch.where(active.view(-1, 1, 1, 1), total + step, total)
        with torch.no_grad():
            done = model((x + (1 + overshoot) * total).clamp(0, 1)).argmax(1) != y
        active = active & ~done
    return (x + (1 + overshoot) * total).clamp(0, 1)


def jsma(model, x, y, gamma=0.145, theta=1.0, two_gradients=False):
    """Papernot et al.'s saliency map attack, untargeted towards the runner-up class of the clean logits, as a PyTorch
    user writes it (cleverhans, torchattacks): each iteration the logits' whole Jacobian, one backward per class, then
    the pair scores of all n² feature pairs as [batch, n, n] tensors. An input stops once its label is lost or no pair
    qualifies. With two_gradients, α and β come from two backward passes as Bulwark forms them (fidelity runs)."""
    n = x[0].numel()
    with torch.no_grad():
        logits = model(x)
        target = logits.scatter(1, y[:, None], float("-inf")).argmax(1)
    adv = x.flatten(1).clone()
    domain = adv < 1 if theta > 0 else adv > 0
    sign = 1.0 if theta > 0 else -1.0
    active = torch.arange(len(x))
    distinct = ~torch.eye(n, dtype=torch.bool)
    for _ in range(int(gamma * n / 2)):
        if len(active) == 0:
            break
        cur = adv[active].view(-1, *x.shape[1:]).clone().requires_grad_()
        out = model(cur)
        t = target[active]
        if two_gradients:
            (alpha,) = torch.autograd.grad(out.gather(1, t[:, None]).sum(), cur, retain_graph=True)
            (total,) = torch.autograd.grad(out.sum(), cur)
            alpha, beta = alpha.flatten(1), (total - alpha).flatten(1)
        else:
            rows = [torch.autograd.grad(out[:, k].sum(), cur, retain_graph=k < out.shape[1] - 1)[0].flatten(1)
                    for k in range(out.shape[1])]
            jac = torch.stack(rows, 1)
            alpha = jac.gather(1, t[:, None, None].expand(-1, 1, n)).squeeze(1)
            beta = jac.sum(1) - alpha
        a, b = alpha * sign, beta * sign
        pa, pb = a[:, :, None] + a[:, None, :], b[:, :, None] + b[:, None, :]
        dom = domain[active]
        ok = (pa > 0) & (pb < 0) & dom[:, :, None] & dom[:, None, :] & distinct
        best, index = ((-pa * pb) * ok).flatten(1).max(1)
        working = out.argmax(1) == y[active]
        keep = working & (best > 0)
        active, index = active[keep], index[keep]
        p_, q_ = index // n, index % n
        rows_ = adv[active]
        for f in (p_, q_):
            rows_[torch.arange(len(active)), f] = (rows_[torch.arange(len(active)), f] + theta).clamp(0, 1)
        adv[active] = rows_
        dom_ = domain[active]
        dom_[torch.arange(len(active)), p_] = False
        dom_[torch.arange(len(active)), q_] = False
        domain[active] = dom_
    adv = adv.view_as(x)
    with torch.no_grad():
        success = model(adv).argmax(1) != y
    return torch.where(success.view(-1, *([1] * (x.dim() - 1))), adv, x)


def carlini_wagner(model, x, y, steps=1000, search_steps=9, c0=1e-3, lr=0.01, kappa=0.0, abort_early=True):
    """Carlini-Wagner L2 as the original code runs it: the whole batch every Adam step (TensorFlow's Adam, eps outside
    the square root), the batch stops a search step when its summed loss stalls, per-sample binary search over c."""
    n = len(x)
    lower = torch.zeros(n, dtype=torch.float64)
    upper = torch.full((n,), 1e10, dtype=torch.float64)
    const = torch.full((n,), c0, dtype=torch.float64)
    best_l2 = torch.full((n,), float("inf"))
    best_adv = x.clone()
    z = (x * 2 - 1) * (1 - 1e-6)
    w0 = 0.5 * torch.log((1 + z) / (1 - z))
    onehot = F.one_hot(y, 10).bool()
    check_every = max(1, steps // 10)
    for s in range(search_steps):
        c = (upper if search_steps >= 10 and s == search_steps - 1 else const).float()
        w = w0.clone()
        m = torch.zeros_like(w)
        v = torch.zeros_like(w)
        prev = float("inf")
        found = torch.zeros(n, dtype=torch.bool)
        for it in range(steps):
            w.requires_grad_()
            adv = (torch.tanh(w) + 1) / 2
            logits = model(adv)
            l2 = ((adv - x) ** 2).flatten(1).sum(1)
            real = logits.gather(1, y[:, None]).squeeze(1)
            other = logits.masked_fill(onehot, float("-inf")).max(1).values
            f = (real - other).clamp(min=-kappa)
            loss = l2.sum() + (c * f).sum()
            (g,) = torch.autograd.grad(loss, w)
            w = w.detach()
            with torch.no_grad():
                m = 0.9 * m + 0.1 * g
                v = 0.999 * v + 0.001 * g * g
                t = it + 1
                w = w - lr * (1 - 0.999 ** t) ** 0.5 / (1 - 0.9 ** t) * m / (v.sqrt() + 1e-8)
                succ = (other - real >= kappa) & (logits.argmax(1) != y)
                better = succ & (l2 < best_l2)
                best_l2 = torch.where(better, l2, best_l2)
                best_adv[better] = adv.detach()[better]
                found |= succ
                if abort_early and it % check_every == 0:
                    if loss.item() > prev * 0.9999:
                        break
                    prev = loss.item()
        for i in range(n):
            if found[i]:
                upper[i] = min(upper[i], const[i])
                if upper[i] < 1e9:
                    const[i] = (lower[i] + upper[i]) / 2
            else:
                lower[i] = max(lower[i], const[i])
                const[i] = (lower[i] + upper[i]) / 2 if upper[i] < 1e9 else const[i] * 10
    return best_adv


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", required=True)
    p.add_argument("--attack", required=True, choices=["fgsm", "pgd", "bim", "deepfool", "cw", "jsma"])
    p.add_argument("--eps", type=float, default=0.3)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--step-size", type=float, default=0.01)
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=250)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--search-steps", type=int, default=9, help="C&W binary-search steps")
    p.add_argument("--compare")
    p.add_argument("--same-kernels", action="store_true", help="first-layer input gradients through Bulwark's kernel, and DeepFool's w_k as Bulwark forms them (fidelity runs)")
    p.add_argument("--batched", action="store_true", help="DeepFool with Bulwark's algorithm (one batched backward, active set) instead of the plain reference loop")
    p.add_argument("--data-dir", default=os.environ.get("BULWARK_DATA", os.path.expanduser("~/.bulwark/data")))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model = load_model(a.run)
    if a.same_kernels:
        use_direct_input_gradient(model)
    for q in model.parameters():
        q.requires_grad_(False)
    xs, ys = load_mnist(a.data_dir, train=False)
    xs, ys = torch.from_numpy(xs[:a.samples]), torch.from_numpy(ys[:a.samples])
    outs = []
    start = time.perf_counter()
    for i in range(0, len(xs), a.batch_size):
        x, y = xs[i:i + a.batch_size], ys[i:i + a.batch_size]
        if a.attack == "fgsm":
            outs.append(fgsm(model, x, y, a.eps))
        elif a.attack in ("pgd", "bim"):
            outs.append(pgd(model, x, y, a.eps, a.steps, a.step_size))
        elif a.attack == "cw":
            outs.append(carlini_wagner(model, x, y, steps=a.steps, search_steps=a.search_steps))
        elif a.attack == "jsma":
            outs.append(jsma(model, x, y, two_gradients=a.same_kernels))
        else:
            outs.append(deepfool(model, x, y, steps=a.steps) if a.batched
                        else deepfool_plain(model, x, y, steps=a.steps, difference_gradients=a.same_kernels))
    seconds = time.perf_counter() - start
    adv = torch.cat(outs)
    with torch.no_grad():
        robust = float((model(adv).argmax(1) == ys).float().mean())
        broken = (model(xs).argmax(1) == ys) & (model(adv).argmax(1) != ys)
        l2 = (adv - xs).flatten(1).norm(dim=1)[broken]
    mean_l2 = float(l2.mean()) if len(l2) else float("nan")
    result = {"framework": "pytorch", "attack": a.attack, "samples": len(xs), "seconds": seconds,
              "images_per_second": len(xs) / seconds, "robust_accuracy": robust,
              "mean_l2": mean_l2}
    if a.compare:
        ours, _ = safetensors_np.load(a.compare)
        theirs = adv.numpy()
        result["max_abs_difference"] = float(np.abs(ours["adversarial"].reshape(theirs.shape) - theirs).max())
        result["differing_inputs"] = int((np.abs(ours["adversarial"].reshape(theirs.shape) - theirs).reshape(len(xs), -1).max(1) > 1e-4).sum())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
