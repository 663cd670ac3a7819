#!/usr/bin/env bash
# Bulwark's FGSM, BIM/PGD-40, DeepFool, C&W L2 and JSMA against their PyTorch twins (bench/pytorch/attacks.py) on the same weights
# and the same MNIST test images, in one run: fidelity (largest difference between the adversarial examples: against the
# twin as it runs by default, and against the twin taking Bulwark's kernel for first-layer input gradients and forming
# DeepFool's w_k = ∇(f_k − f_label) and JSMA's α, β as Bulwark does, so that rounding does not count as a difference) and throughput (images per second; each side's median over
# --rounds rounds, the twin on PyTorch's default kernels).
#   bench/attacks.sh --run runs/lenet5 [--samples 1000] [--batch-size 250] [--threads 2] [--rounds 3]
#   ATTACKS="bim cw" bench/attacks.sh ...   runs a subset
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
echo "| attack | images | Bulwark img/s | PyTorch img/s | speed ratio (Bulwark/PyTorch) | max abs difference (default kernels / same kernels) | inputs differing > 1e-4 (default / same) | mean ℓ2 of broken inputs (Bulwark / PyTorch) |"
echo "|---|---|---|---|---|---|---|---|"
attacks=${ATTACKS:-fgsm bim deepfool cw}
for attack in $attacks; do
  case $attack in
    fgsm) ours_args="--eps 0.3"; theirs_args="--eps 0.3" ;;
    bim) ours_args="--eps 0.3 --steps 40 --step-size 0.01"; theirs_args="--eps 0.3 --steps 40 --step-size 0.01" ;;
    deepfool) ours_args="--norm l2 --steps 50"; theirs_args="--steps 50" ;;
    # C&W: 5 binary-search steps of 200 Adam steps each (the defaults, 9 × 1000, take minutes per batch on 2 cores)
    cw) ours_args="--norm l2 --steps 200 --search-steps 5"; theirs_args="--steps 200 --search-steps 5" ;;
    # JSMA: γ 0.145, θ +1, towards the runner-up class (Bulwark's defaults)
    jsma) ours_args="--norm l0"; theirs_args="" ;;
  esac
  ours=() theirs=() diff="" differing="" l2_ours="" l2_theirs=""
  for ((r = 0; r < rounds; r++)); do
    json=$(dotnet "$dll" attack --run "$run" --dataset mnist --attack $attack $ours_args --samples "$samples" --batch-size "$batch" \
      --threads "$threads" --save "$tmp/$attack.safetensors" --json 2>/dev/null)
    ours+=("$(echo "$json" | field images_per_second)")
    l2_ours=$(echo "$json" | field mean_norm)
    out=$(cd "$root/bench/pytorch" && /usr/bin/python3 attacks.py --run "$run" --attack $attack $theirs_args --samples "$samples" \
      --batch-size "$batch" --threads "$threads" --compare "$tmp/$attack.safetensors")
    theirs+=("$(echo "$out" | field images_per_second)")
    diff=$(echo "$out" | field max_abs_difference); differing=$(echo "$out" | field differing_inputs)
    l2_theirs=$(echo "$out" | field mean_l2)
  done
  # C&W is not compared input by input (see docs/BENCHMARKS.md): no same-kernel run for it
  same_diff=nan same_differing=-1
  if [ "$attack" != cw ]; then
    out=$(cd "$root/bench/pytorch" && /usr/bin/python3 attacks.py --run "$run" --attack $attack $theirs_args --samples "$samples" \
      --batch-size "$batch" --threads "$threads" --same-kernels --compare "$tmp/$attack.safetensors")
    same_diff=$(echo "$out" | field max_abs_difference); same_differing=$(echo "$out" | field differing_inputs)
  fi
  a=$(printf '%s\n' "${ours[@]}" | median); b=$(printf '%s\n' "${theirs[@]}" | median)
  # mean_norm is in the attack's own norm: comparable with PyTorch's ℓ2 only for the ℓ2 minimum-norm attacks
  case $attack in deepfool|cw) ;; *) l2_ours=nan l2_theirs=nan ;; esac
  awk -v n="$attack" -v s="$samples" -v a="$a" -v b="$b" -v d="$diff" -v k="$differing" -v sd="$same_diff" -v sk="$same_differing" \
    -v lo="$l2_ours" -v lt="$l2_theirs" \
    'BEGIN { printf "| %s | %d | %.1f | %.1f | %.2f | %g / %s | %d / %s | %.3f / %.3f |\n", n, s, a, b, a / b, d, (sk < 0 ? "–" : sd), k, (sk < 0 ? "–" : sk), lo, lt }'
done
