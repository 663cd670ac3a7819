#!/usr/bin/env bash
# The robustness demo: set everything up, train LeNet-5 on MNIST briefly, run the standard evaluation suite
# (DeepFool, C&W, DDN, APGD-CE + APGD-DLR in ℓ∞ and ℓ2, GNR, noise accuracy, sanity checks) on the first test
# images, and print where the report is. A few minutes on 2 cores. Each run writes a fresh run directory.
# Options: DEMO_SAMPLES (default 200) test images to evaluate, DEMO_EPOCHS (default 1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
scripts/setup.sh --data
run="runs/demo-$(date +%Y%m%d-%H%M%S)"
./bulwark train --model lenet5 --dataset mnist --epochs "${DEMO_EPOCHS:-1}" --batch-size 128 --optimizer adam --lr 1e-3 --seed 0 \
  --out "$run"
./bulwark evaluate --run "$run" --suite standard --samples "${DEMO_SAMPLES:-200}" --batch-size 200 --seed 0
echo "Robustness report: $root/$run/report.html (also report.md, report.json)"
