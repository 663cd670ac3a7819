#!/usr/bin/env python3
"""The PyTorch twin of `bulwark bench train-step`: the same model, batch, objective and optimizer, timed the same way.

A step is zero-grad + objective + backward + Adam step on a batch drawn from shuffled in-memory MNIST.
Objectives: ce; input-gradient = CE + 0.01 * mean_i ||dCE_i/dx_i||^2 (double backprop); gaussian = the analytical
moment regularizer CE(f(x)) + alpha * CE(Omega(T(mu, s))), written plainly with PyTorch ops as its reference code does;
augment = N-fold Gaussian noise augmentation as one step: the clean batch of B images and its N noisy copies
x + sigma * z (z ~ N(0, I), fresh per image and copy, no clipping) forwarded as one batch of B * (N + 1), CE averaged
over all of it (--folds N, --sigma S).
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


def objective(name, model, x, y, lam=0.01, sigma=0.25, alpha=1.0, folds=1):
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
    raise SystemExit(f"unknown objective {name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="lenet5")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--objective", default="ce")
    parser.add_argument("--sigma", type=float, default=0.25)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--folds", type=int, default=1, help="noisy copies per batch of the augment objective")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--data-dir", default=os.environ.get("BULWARK_DATA", os.path.expanduser("~/.bulwark/data")))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.model != "lenet5":
        raise SystemExit("only lenet5 is written in PyTorch here")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images, labels = load_mnist(args.data_dir, train=True)
    images, labels = torch.from_numpy(images), torch.from_numpy(labels)
    order = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(args.seed))
    model = lenet5()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    times = []
    for step in range(args.warmup + args.steps):
        start = (step * args.batch_size) % (images.shape[0] - args.batch_size)
        index = order[start:start + args.batch_size]
        x, y = images.index_select(0, index), labels.index_select(0, index)
        begin = time.perf_counter()
        optimizer.zero_grad()
        loss = objective(args.objective, model, x, y, sigma=args.sigma, alpha=args.alpha, folds=args.folds)
        loss.backward()
        optimizer.step()
        elapsed = time.perf_counter() - begin
        if step >= args.warmup:
            times.append(elapsed * 1000)

    print(json.dumps({"framework": "pytorch", "version": torch.__version__, "model": args.model,
                      "objective": args.objective, "batch_size": args.batch_size, "threads": torch.get_num_threads(),
                      "steps": args.steps, "ms_per_step": statistics.median(times), "final_loss": float(loss)}))


if __name__ == "__main__":
    main()
