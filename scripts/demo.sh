#!/usr/bin/env bash
# The main job: set everything up, train LeNet-5 on MNIST for one epoch and print its test accuracy.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh --data
./bulwark train --model lenet5 --dataset mnist --epochs 1 --batch-size 128 --optimizer adam --lr 1e-3 --seed 0 \
  --out "runs/demo-$(date +%Y%m%d-%H%M%S)"
