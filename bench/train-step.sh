#!/usr/bin/env bash
# One training step of Bulwark against the same step in PyTorch (Debian's python3-torch, the same libtorch 1.13),
# measured in one run: the two alternate for --rounds rounds and each figure is the median of the rounds' medians.
#   bench/train-step.sh [--threads 2] [--rounds 5] [--steps 100] [--warmup 30] [--objectives "ce input-gradient"]
#                       [--folds 1] [--sigma 0.25] [--model lenet5] [--dropout 0] [--reference-compat] [--lambda L]
# --model: lenet5, madry-cnn or madry-cnn-bn (the TF-tutorial CNN, with TF-slim's shift-only batch norm); --dropout on
# its FC layer; --reference-compat: the reference code's convention of input-gradient and jacobian on both sides.
# --folds and --sigma go to the augment objective, whose step forwards the clean batch and its N noisy copies as one batch.
# The warm-up is longer than PyTorch needs because .NET recompiles hot methods (tiered JIT) during the first steps.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads=2 rounds=5 steps=100 warmup=30 objectives="ce input-gradient" batch=128 folds=1 sigma=0.25 model=lenet5
common=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --batch-size) batch=$2; shift 2 ;;
    --objectives) objectives=$2; shift 2 ;;
    --folds) folds=$2; shift 2 ;;
    --sigma) sigma=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --dropout) common+=(--dropout "$2"); shift 2 ;;
    --lambda) common+=(--lambda "$2"); shift 2 ;;
    --reference-compat) common+=(--reference-compat); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
"$root/scripts/setup.sh" --data --quiet
dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed" || {
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-torch >/dev/null; }
dll="$root/src/Bulwark.Cli/bin/Release/net10.0/bulwark.dll"
median() { sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
echo "| objective | threads | Bulwark ms/step | PyTorch ms/step | ratio (Bulwark/PyTorch) |"
echo "|---|---|---|---|---|"
for objective in $objectives; do
  ours=() theirs=() extra=() label=$objective
  if [ "$objective" = augment ]; then extra=(--folds "$folds" --sigma "$sigma"); label="augment (N=$folds, σ=$sigma)"; fi
  if [ "$model" != lenet5 ] || [ ${#common[@]} -gt 0 ]; then label="$label ($model, batch $batch ${common[*]})"; fi
  for ((r = 0; r < rounds; r++)); do
    ours+=("$(dotnet "$dll" bench train-step --model "$model" --batch-size "$batch" --objective "$objective" "${extra[@]}" "${common[@]}" --steps "$steps" --warmup "$warmup" --threads "$threads" --json 2>/dev/null | field ms_per_step)")
    theirs+=("$(cd "$root/bench/pytorch" && /usr/bin/python3 train_step.py --model "$model" --batch-size "$batch" --objective "$objective" "${extra[@]}" "${common[@]}" --steps "$steps" --warmup "$warmup" --threads "$threads" | field ms_per_step)")
  done
  a=$(printf '%s\n' "${ours[@]}" | median); b=$(printf '%s\n' "${theirs[@]}" | median)
  awk -v o="$label" -v t="$threads" -v a="$a" -v b="$b" 'BEGIN { printf "| %s | %s | %.2f | %.2f | %.3f |\n", o, t, a, b, a / b }'
done
