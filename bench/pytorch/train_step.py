#!/usr/bin/env python3
"""The PyTorch twin of `bulwark bench train-step`: the same model, batch, objective and optimizer, timed the same way.

A step is zero-grad + objective + backward + Adam step on a batch drawn from shuffled in-memory MNIST.
Objectives: ce; input-gradient = CE + 0.01 * mean_i ||dCE_i/dx_i||^2 (double backprop).
Prints one JSON object as its last line. Run with Debian's interpreter: /usr/bin/python3.
"""
import argparse
import json
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


def objective(name, model, x, y, lam=0.01):
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
        loss = objective(args.objective, model, x, y)
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
