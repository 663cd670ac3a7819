#!/usr/bin/env python3
"""Times libtorch's convolution kernels on the model zoo's layer shapes: the forward pass, the input gradient and the
weight gradient, each through oneDNN (libtorch's default for float on the CPU) and through libtorch's direct (im2col)
kernel. This is the measurement behind Bulwark's rule of sending the input gradient of a convolution with at most 3
input channels to the direct kernel (native/src/Nn.cpp). Prints a Markdown table (milliseconds per call, median).
Run with Debian's interpreter: /usr/bin/python3 bench/pytorch/conv_input_gradient.py --threads 2
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

# (batch, in channels, out channels, input size, kernel, padding, stride, where the layer is found)
SHAPES = [
    (250, 1, 6, 28, 5, 2, 1, "lenet5 conv1, attack batch"),
    (250, 6, 16, 14, 5, 0, 1, "lenet5 conv2, attack batch"),
    (128, 1, 6, 28, 5, 2, 1, "lenet5 conv1, training batch"),
    (128, 6, 16, 14, 5, 0, 1, "lenet5 conv2, training batch"),
    (128, 1, 32, 28, 5, 2, 1, "madry-cnn / gnm-lenet conv1"),
    (128, 32, 64, 14, 5, 2, 1, "madry-cnn conv2"),
    (128, 1, 32, 28, 5, 0, 1, "margin-lenet conv1"),
    (128, 3, 64, 32, 11, 5, 4, "small-alexnet conv1"),
    (128, 3, 32, 32, 5, 2, 1, "a 3-channel 32×32 first layer"),
]


def timed(f, repeat):
    for _ in range(3):
        f()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=15)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    print("| layer | N, C_in → C_out, H, k, pad, stride | forward oneDNN / direct | input gradient oneDNN / direct | weight gradient oneDNN / direct |")
    print("|---|---|---|---|---|")
    for (n, cin, cout, h, k, pad, stride, where) in SHAPES:
        x = torch.randn(n, cin, h, h)
        w = torch.randn(cout, cin, k, k)
        g = torch.randn_like(F.conv2d(x, w, None, stride, pad))

        def backward(mask):
            return lambda: torch.ops.aten.convolution_backward(g, x, w, [cout], [stride] * 2, [pad] * 2, [1, 1], False, [0, 0], 1, mask)

        cells = []
        for enabled in (True, False):
            with torch.backends.mkldnn.flags(enabled=enabled):
                cells.append((timed(lambda: F.conv2d(x, w, None, stride, pad), a.repeat),
                              timed(backward([True, False, False]), a.repeat),
                              timed(backward([False, True, True]), a.repeat)))
        (f1, i1, w1), (f2, i2, w2) = cells
        print(f"| {where} | {n}, {cin} → {cout}, {h}, {k}, {pad}, {stride} | {f1:.2f} / {f2:.2f} | {i1:.2f} / {i2:.2f} | {w1:.2f} / {w2:.2f} |")


if __name__ == "__main__":
    main()
