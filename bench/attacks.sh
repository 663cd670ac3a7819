#!/usr/bin/env bash
# Bulwark's FGSM, BIM/PGD-40 and DeepFool against their PyTorch twins (bench/pytorch/attacks.py) on the same weights
# and the same MNIST test images, in one run: fidelity (largest difference between the adversarial examples) and
# throughput (images per second; each side's median over --rounds rounds).
#   bench/attacks.sh --run runs/lenet5 [--samples 1000] [--batch-size 250] [--threads 2] [--rounds 3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run="" samples=1000 batch=250 threads=2 rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --run) run=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --batch-size) batch=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$run" ] || { echo "usage: bench/attacks.sh --run RUN_DIR" >&2; exit 2; }
run=$(cd "$run" && pwd)
"$root/scripts/setup.sh" --data --quiet
dll="$root/src/Bulwark.Cli/bin/Release/net10.0/bulwark.dll"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
echo "| attack | images | Bulwark img/s | PyTorch img/s | speed ratio (Bulwark/PyTorch) | max abs difference | inputs differing > 1e-4 |"
echo "|---|---|---|---|---|---|---|"
for attack in fgsm bim deepfool; do
  case $attack in
    fgsm) ours_args="--eps 0.3"; theirs_args="--eps 0.3" ;;
    bim) ours_args="--eps 0.3 --steps 40 --step-size 0.01"; theirs_args="--eps 0.3 --steps 40 --step-size 0.01" ;;
    deepfool) ours_args="--norm l2 --steps 50"; theirs_args="--steps 50" ;;
  esac
  ours=() theirs=() diff="" differing=""
  for ((r = 0; r < rounds; r++)); do
    ours+=("$(dotnet "$dll" attack --run "$run" --dataset mnist --attack $attack $ours_args --samples "$samples" --batch-size "$batch" \
      --threads "$threads" --save "$tmp/$attack.safetensors" --json 2>/dev/null | field images_per_second)")
    out=$(cd "$root/bench/pytorch" && /usr/bin/python3 attacks.py --run "$run" --attack $attack $theirs_args --samples "$samples" \
      --batch-size "$batch" --threads "$threads" --compare "$tmp/$attack.safetensors")
    theirs+=("$(echo "$out" | field images_per_second)")
    diff=$(echo "$out" | field max_abs_difference); differing=$(echo "$out" | field differing_inputs)
  done
  a=$(printf '%s\n' "${ours[@]}" | median); b=$(printf '%s\n' "${theirs[@]}" | median)
  awk -v n="$attack" -v s="$samples" -v a="$a" -v b="$b" -v d="$diff" -v k="$differing" \
    'BEGIN { printf "| %s | %d | %.1f | %.1f | %.2f | %g | %d |\n", n, s, a, b, a / b, d, k }'
done
