#!/usr/bin/env python3
"""The PyTorch twin of `bulwark bench train-step`: the same model, batch, objective and optimizer, timed the same way.

A step is zero-grad + objective + backward + Adam step on a batch drawn from shuffled in-memory MNIST.
Objectives: ce; input-gradient = CE + lambda * mean_i ||dCE_i/dx_i||^2 (double backprop, per-sample convention,
default lambda = 10^4.75 / (2 * 256) as Bulwark's); jacobian = CE + lambda * ||J||_F, Jakubovitz & Giryes's K
autograd.grad calls with create_graph over the whole batch (default lambda 0.1); jacobian-projection = Hoffman et al.'s
JacobianReg(n), CE + lambda * 0.5 * C/(n*B) * sum_p ||J^T v_p||^2 (--projections n, default 1, lambda 0.01); gaussian = the analytical
moment regularizer CE(f(x)) + alpha * CE(Omega(T(mu, s))), written plainly with PyTorch ops as its reference code does;
augment = N-fold Gaussian noise augmentation as one step: the clean batch of B images and its N noisy copies
x + sigma * z (z ~ N(0, I), fresh per image and copy, no clipping) forwarded as one batch of B * (N + 1), CE averaged
over all of it (--folds N, --sigma S).
margin-l2 / margin-l1 = deep margin maximization as its reference: hinge + C * mean ||grad f_y - grad f_l||^2 (or L1), K
autograd.grad calls with create_graph, l = argmax held constant (C 0.1 / 0.01); vat = CE + KL(p(x) || p(x + r_adv)),
eps 2, xi 1e-6, one power iteration; trades = the reference trades_loss with its MNIST defaults (eps 0.3, 40 steps of
0.01, beta 1, inner loop in eval mode).
Models (--model): lenet5; madry-cnn and madry-cnn-bn, the TF-tutorial CNN without and with TF-slim's shift-only batch
norm (--dropout on its FC layer). --reference-compat: the reference code's convention, input-gradient as Ross &
Doshi-Velez's lambda * 0.5 * ||d CE_mean / dX||^2 (default lambda 10^4.75) and jacobian as Jakubovitz & Giryes's code,
the Jacobian rows of the flattened logits' first K entries (sample 0 only, through the whole batch).
Prints one JSON object as its last line. Run with Debian's interpreter: /usr/bin/python3.
"""
import argparse
import json
import math
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from mnist_idx import load_mnist


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def madry_cnn(dropout=0.0, batch_norm=False):
    """The TF-tutorial MNIST CNN as Bulwark's madry-cnn; with batch_norm, madry-cnn-bn: the layers before each batch
    norm have no bias and the batch norm only shifts (scale fixed at 1, eps 1e-3), as TF-slim builds Ross &
    Doshi-Velez's model."""
    def activated(layer, features, norm):
        if not batch_norm:
            return [layer, nn.ReLU()]
        shift_only = norm(features, eps=1e-3, momentum=0.1)
        shift_only.weight.requires_grad_(False)
        return [layer, shift_only, nn.ReLU()]

    layers = activated(nn.Conv2d(1, 32, 5, padding=2, bias=not batch_norm), 32, nn.BatchNorm2d) + [nn.MaxPool2d(2)]
    layers += activated(nn.Conv2d(32, 64, 5, padding=2, bias=not batch_norm), 64, nn.BatchNorm2d) + [nn.MaxPool2d(2)]
    layers += [nn.Flatten()] + activated(nn.Linear(64 * 7 * 7, 1024, bias=not batch_norm), 1024, nn.BatchNorm1d)
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(1024, 10))


MODELS = {
    "lenet5": lambda dropout: lenet5(),
    "madry-cnn": lambda dropout: madry_cnn(dropout),
    "madry-cnn-bn": lambda dropout: madry_cnn(dropout, batch_norm=True),
}


def gaussian_moment(model, x, y, sigma, alpha):
    """CE + alpha * CE of the rest of the network on the Gaussian ReLU mean T(mu, s) of the first layer."""
    first, rest = model[0], model[2:]
    mu = first(x)
    logits = rest(F.relu(mu))
    variance = torch.full((1,) + tuple(x.shape[1:]), sigma * sigma)
    s = F.conv2d(variance, first.weight.square(), None, first.stride, first.padding, first.dilation, first.groups).sqrt()
    z = mu / s
    t = mu * (0.5 * (1 + torch.erf(z / math.sqrt(2)))) + s * torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return F.cross_entropy(logits, y) + alpha * F.cross_entropy(rest(t), y)


def margin_loss(model, x, y, order, c):
    """Deep margin maximization as its reference computes it: multiclass hinge (delta 1) + C * mean sensitivity, with
    all K input gradients built with a graph and l = argmax_k d_k held constant (order 2: squared L2, else L1)."""
    x = x.detach().requires_grad_()
    logits = model(x)
    correct = logits.gather(1, y[:, None]).squeeze(1)
    hinge = F.relu(logits.scatter(1, y[:, None], float("-inf")).max(1).values - correct + 1).mean()
    grads = torch.stack([torch.autograd.grad(logits[:, k].sum(), x, create_graph=True)[0].flatten(1)
                         for k in range(logits.shape[1])], 1)
    w = grads - grads.gather(1, y[:, None, None].expand(-1, 1, grads.shape[2]))
    d = w.square().sum(2) if order == 2 else w.abs().sum(2)
    l = d.argmax(1).detach()
    return hinge + c * d.gather(1, l[:, None]).mean()


def _vat_normalize(d):
    shape = (-1,) + (1,) * (d.dim() - 1)
    d = d / (1e-12 + d.abs().flatten(1).max(1).values.view(shape))
    return d / torch.sqrt(1e-6 + d.square().flatten(1).sum(1)).view(shape)


def vat_loss(model, x, y, eps=2.0, xi=1e-6, iterations=1, alpha=1.0):
    """Virtual adversarial training (Miyato et al.): CE + alpha * KL(p(x) || p(x + r_adv)), p(x) detached, r_adv from
    power iteration at radius xi; no clipping of x + r_adv."""
    logits = model(x)
    p = F.softmax(logits, dim=1).detach()
    d = torch.randn_like(x)
    for _ in range(iterations):
        r = (xi * _vat_normalize(d)).requires_grad_()
        distance = F.kl_div(F.log_softmax(model(x + r), dim=1), p, reduction="batchmean")
        (d,) = torch.autograd.grad(distance, r)
    r_adv = eps * _vat_normalize(d)
    lds = F.kl_div(F.log_softmax(model(x + r_adv), dim=1), p, reduction="batchmean")
    return F.cross_entropy(logits, y) + alpha * lds


def trades_loss(model, x, y, epsilon=0.3, steps=40, step_size=0.01, beta=1.0):
    """TRADES as its reference trades_loss (MNIST defaults of train_trades_mnist.py), inner loop in eval mode."""
    criterion_kl = nn.KLDivLoss(reduction="sum")
    model.eval()
    x_adv = x.detach() + 0.001 * torch.randn_like(x).detach()
    for _ in range(steps):
        x_adv.requires_grad_()
        with torch.enable_grad():
            loss_kl = criterion_kl(F.log_softmax(model(x_adv), dim=1), F.softmax(model(x), dim=1))
        grad = torch.autograd.grad(loss_kl, [x_adv])[0]
        x_adv = x_adv.detach() + step_size * torch.sign(grad.detach())
        x_adv = torch.min(torch.max(x_adv, x - epsilon), x + epsilon)
        x_adv = torch.clamp(x_adv, 0.0, 1.0)
    model.train()
    x_adv = torch.clamp(x_adv, 0.0, 1.0).detach()
    logits = model(x)
    loss_robust = criterion_kl(F.log_softmax(model(x_adv), dim=1), F.softmax(model(x), dim=1)) / len(x)
    return F.cross_entropy(logits, y) + beta * loss_robust


def _frozen_eval(model):
    """Eval mode with parameters not requiring grad while the attack runs; returns a function that restores both."""
    was_training = model.training
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)

    def restore():
        for p in params:
            p.requires_grad_(True)
        model.train(was_training)
    return restore


def fgsm_at_loss(model, x, y, epsilon=0.2, alpha=0.5):
    """Goodfellow et al.'s adversarial training: x_adv = clamp(x + eps * sign(grad CE), 0, 1) made in eval mode,
    loss = alpha * CE(x) + (1 - alpha) * CE(x_adv)."""
    restore = _frozen_eval(model)
    x_req = x.detach().clone().requires_grad_()
    (grad,) = torch.autograd.grad(F.cross_entropy(model(x_req), y, reduction="sum"), x_req)
    x_adv = torch.clamp(x + epsilon * grad.sign(), 0.0, 1.0).detach()
    restore()
    return alpha * F.cross_entropy(model(x), y) + (1 - alpha) * F.cross_entropy(model(x_adv), y)


def pgd_at_loss(model, x, y, epsilon=0.3, steps=40, step_size=0.01):
    """Madry et al.'s adversarial training (MNIST): random start U(-eps, eps), 40 sign steps of 0.01 each projected to
    the eps-ball and clamped to [0, 1], made in eval mode; loss = CE(x_adv)."""
    restore = _frozen_eval(model)
    x_adv = torch.clamp(x + torch.empty_like(x).uniform_(-epsilon, epsilon), 0.0, 1.0)
    for _ in range(steps):
        x_adv.requires_grad_()
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y, reduction="sum"), x_adv)
        x_adv = x_adv.detach() + step_size * grad.sign()
        x_adv = torch.clamp(torch.min(torch.max(x_adv, x - epsilon), x + epsilon), 0.0, 1.0)
    restore()
    return F.cross_entropy(model(x_adv.detach()), y)


DEFAULT_LAMBDA = {"input-gradient": 10 ** 4.75 / (2 * 256), "jacobian": 0.1, "jacobian-projection": 0.01}


def jacobian_frobenius(x, logits):
    """Jakubovitz & Giryes: one autograd.grad per class (create_graph), the non-squared norm of the whole Jacobian."""
    rows = [torch.autograd.grad(logits[:, k].sum(), x, create_graph=True)[0] for k in range(logits.shape[1])]
    return torch.stack(rows).norm()


def jacobian_first_sample(x, logits):
    """Jakubovitz & Giryes's reference code: the Jacobian rows of the flattened logits' first K entries, each an
    autograd.grad through the whole batch (so only sample 0 contributes), the non-squared norm."""
    flat = logits.reshape(-1)
    rows = [torch.autograd.grad(flat[k], x, create_graph=True)[0] for k in range(logits.shape[1])]
    return torch.stack(rows).norm()


def jacobian_projection(x, logits, n):
    """Hoffman et al.'s JacobianReg(n): 0.5 * C/(n*B) * sum_p ||J^T v_p||^2, v_b uniform on the unit sphere."""
    batch, classes = logits.shape
    squared = 0
    for _ in range(n):
        v = torch.randn(batch, classes)
        v = v / v.norm(dim=1, keepdim=True)
        (jv,) = torch.autograd.grad(logits, x, grad_outputs=v, create_graph=True)
        squared = squared + classes * jv.norm() ** 2 / (n * batch)
    return 0.5 * squared


def objective(name, model, x, y, lam=None, sigma=0.25, alpha=1.0, folds=1, projections=1, reference=False):
    if name == "input-gradient" and reference:
        # Ross & Doshi-Velez's convention: lambda * l2_loss(d CE_mean / dX) = lambda * 0.5 * ||grad of the batch mean||^2
        x = x.detach().requires_grad_()
        loss = F.cross_entropy(model(x), y)
        (g,) = torch.autograd.grad(loss, x, create_graph=True)
        return loss + (10 ** 4.75 if lam is None else lam) * 0.5 * g.square().sum()
    lam = DEFAULT_LAMBDA.get(name) if lam is None else lam
    if name == "gaussian":
        return gaussian_moment(model, x, y, sigma, alpha)
    if name == "augment":
        copies = x.repeat(folds, 1, 1, 1)
        batch = torch.cat([x, copies + sigma * torch.randn_like(copies)])
        return F.cross_entropy(model(batch), y.repeat(folds + 1))
    if name == "ce":
        return F.cross_entropy(model(x), y)
    if name == "input-gradient":
        x = x.detach().requires_grad_()
        per_sample = F.cross_entropy(model(x), y, reduction="none")
        (g,) = torch.autograd.grad(per_sample.sum(), x, create_graph=True)
        return per_sample.mean() + lam * g.square().flatten(1).sum(1).mean()
    if name in ("jacobian", "jacobian-projection"):
        x = x.detach().requires_grad_()
        logits = model(x)
        if name == "jacobian":
            penalty = jacobian_first_sample(x, logits) if reference else jacobian_frobenius(x, logits)
        else:
            penalty = jacobian_projection(x, logits, projections)
        return F.cross_entropy(logits, y) + lam * penalty
    if name in ("margin-l2", "margin-l1"):
        return margin_loss(model, x, y, 2 if name == "margin-l2" else 1, 0.1 if name == "margin-l2" else 0.01)
    if name == "vat":
        return vat_loss(model, x, y)
    if name == "trades":
        return trades_loss(model, x, y)
    if name == "fgsm-at":
        return fgsm_at_loss(model, x, y)
    if name == "pgd-at":
        return pgd_at_loss(model, x, y)
    raise SystemExit(f"unknown objective {name}")


def add_step_arguments(parser):
    """The model and objective options of a step, shared with profile_step.py."""
    parser.add_argument("--model", default="lenet5", choices=sorted(MODELS))
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout of madry-cnn and madry-cnn-bn")
    parser.add_argument("--reference-compat", action="store_true",
                        help="the reference code's convention: input-gradient's 0.5*||grad of the batch-mean loss||^2 "
                             "(lambda default 10^4.75), jacobian's first sample only")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--objective", default="ce")
    parser.add_argument("--sigma", type=float, default=0.25)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--folds", type=int, default=1, help="noisy copies per batch of the augment objective")
    parser.add_argument("--lambda", dest="lam", type=float, default=None,
                        help="regularizer weight (default: the objective's, as Bulwark's)")
    parser.add_argument("--projections", type=int, default=1, help="random projections of jacobian-projection")


def step_loss(args, model, x, y):
    """The objective named by add_step_arguments' options on one batch."""
    return objective(args.objective, model, x, y, lam=args.lam, sigma=args.sigma, alpha=args.alpha, folds=args.folds,
                     projections=args.projections, reference=args.reference_compat)


def main():
    parser = argparse.ArgumentParser()
    add_step_arguments(parser)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--data-dir", default=os.environ.get("BULWARK_DATA", os.path.expanduser("~/.bulwark/data")))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images, labels = load_mnist(args.data_dir, train=True)
    images, labels = torch.from_numpy(images), torch.from_numpy(labels)
    order = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(args.seed))
    model = MODELS[args.model](args.dropout)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    times = []
    for step in range(args.warmup + args.steps):
        start = (step * args.batch_size) % (images.shape[0] - args.batch_size)
        index = order[start:start + args.batch_size]
        x, y = images.index_select(0, index), labels.index_select(0, index)
        begin = time.perf_counter()
        optimizer.zero_grad()
        loss = step_loss(args, model, x, y)
        loss.backward()
        optimizer.step()
        elapsed = time.perf_counter() - begin
        if step >= args.warmup:
            times.append(elapsed * 1000)

    print(json.dumps({"framework": "pytorch", "version": torch.__version__, "model": args.model, "dropout": args.dropout,
                      "objective": args.objective, "batch_size": args.batch_size, "threads": torch.get_num_threads(),
                      "steps": args.steps, "ms_per_step": statistics.median(times), "final_loss": float(loss)}))


if __name__ == "__main__":
    main()
