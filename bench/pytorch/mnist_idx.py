"""Reads MNIST IDX files (raw or gzip) into numpy arrays, for the PyTorch side of the benchmarks."""
import gzip
import os
import struct

import numpy as np


def read_idx(path):
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(candidate, "rb") as f:
                data = f.read()
            _, _, dtype, ndim = struct.unpack(">BBBB", data[:4])
            if dtype != 0x08:
                raise ValueError(f"{candidate}: only unsigned-byte IDX files are supported")
            dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise FileNotFoundError(path)


def load_mnist(data_dir, train=True):
    prefix = "train" if train else "t10k"
    images = read_idx(os.path.join(data_dir, "mnist", f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(os.path.join(data_dir, "mnist", f"{prefix}-labels-idx1-ubyte"))
    return images.astype(np.float32)[:, None, :, :] / 255.0, labels.astype(np.int64)
