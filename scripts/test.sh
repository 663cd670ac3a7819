#!/usr/bin/env bash
# The whole test suite: set everything up (packages, native build, .NET build, MNIST), then run every test project.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh --data || exit 1
log=$(mktemp)
# libgomp threads spin while they wait; test projects run side by side on few cores, so let them sleep instead
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
dotnet test Bulwark.slnx -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One closing line over all test projects: "N passed, N failed, N skipped".
awk '/(Passed|Failed)! +- Failed: /{gsub(",","");
      for(i=1;i<=NF;i++){ if($i=="Failed:")f+=$(i+1); if($i=="Passed:")p+=$(i+1); if($i=="Skipped:")s+=$(i+1) } }
     END{ printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
