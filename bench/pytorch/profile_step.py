#!/usr/bin/env python3
"""Where the time of one PyTorch training step goes: the autograd profiler's table (self CPU time) over a few steps of
train_step.py's objective on its model, after warm-up. It shows which of libtorch's kernels dominate a step, e.g.
batch norm's double backward in double backprop (docs/BENCHMARKS.md, "Batch norm's double backward").
  /usr/bin/python3 profile_step.py --model madry-cnn-bn --dropout 0.5 --batch-size 256 --objective input-gradient \\
      --reference-compat --lambda 56234.13 --threads 1
"""
import argparse

import torch

from train_step import MODELS, objective


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="lenet5", choices=sorted(MODELS))
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--objective", default="ce")
    parser.add_argument("--lambda", dest="lam", type=float, default=None)
    parser.add_argument("--reference-compat", action="store_true")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", type=int, default=20)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = MODELS[args.model](args.dropout)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(args.batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch_size,))

    def step():
        optimizer.zero_grad()
        objective(args.objective, model, x, y, lam=args.lam, reference=args.reference_compat).backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    with torch.autograd.profiler.profile() as profile:
        for _ in range(args.steps):
            step()
    print(profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows))


if __name__ == "__main__":
    main()
