#!/usr/bin/env python3
"""Where the time of one PyTorch training step goes: the autograd profiler's table (self CPU time) over a few steps of
train_step.py's objective on its model, after warm-up. It shows which of libtorch's kernels dominate a step, e.g.
batch norm's double backward in double backprop (docs/BENCHMARKS.md, "Batch norm's double backward").
  /usr/bin/python3 profile_step.py --model madry-cnn-bn --dropout 0.5 --batch-size 256 --objective input-gradient \\
      --reference-compat --lambda 56234.13 --threads 1
"""
import argparse

import torch

from train_step import MODELS, add_step_arguments, step_loss


def main():
    parser = argparse.ArgumentParser()
    add_step_arguments(parser)
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
        step_loss(args, model, x, y).backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    with torch.autograd.profiler.profile() as profile:
        for _ in range(args.steps):
            step()
    print(profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows))


if __name__ == "__main__":
    main()
