#!/usr/bin/env python3
"""The PyTorch twin of `bulwark train --model lenet5 --dataset mnist`: same model, init order, data order is NOT the
same (different shuffling), same optimizer and epochs. Prints per-epoch loss and the final test accuracy as JSON.
Run with Debian's interpreter: /usr/bin/python3."""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F

from mnist_idx import load_mnist
from train_step import lenet5


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--normalize", action="store_true", help="standardise inputs with MNIST's mean/std")
    parser.add_argument("--data-dir", default=os.environ.get("BULWARK_DATA", os.path.expanduser("~/.bulwark/data")))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = (torch.from_numpy(a) for a in load_mnist(args.data_dir, True))
    xt, yt = (torch.from_numpy(a) for a in load_mnist(args.data_dir, False))
    if args.normalize:
        x, xt = (x - 0.1307) / 0.3081, (xt - 0.1307) / 0.3081
    model = lenet5()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    generator = torch.Generator().manual_seed(args.seed)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(x.shape[0], generator=generator)
        total = 0.0
        for i in range(0, x.shape[0], args.batch_size):
            index = order[i:i + args.batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
            total += float(loss) * len(index)
        print(json.dumps({"epoch": epoch, "train_loss": total / x.shape[0]}), flush=True)
    model.eval()
    with torch.no_grad():
        accuracy = float((model(xt).argmax(1) == yt).float().mean())
    print(json.dumps({"framework": "pytorch", "test_accuracy": accuracy, "epochs": args.epochs,
                      "train_seconds": time.perf_counter() - start, "normalize": args.normalize}))


if __name__ == "__main__":
    main()
