#!/usr/bin/env bash
# Regenerates the benchmarks' plots in bench/plots/ from fresh runs: each benchmark writes its CSV
# there, and gnuplot draws the PNG that bench/README.md embeds. Run it on a quiet machine (no build
# beside it); the data files are committed with the pictures.
#
#   bash scripts/plots.sh [BUILD_DIR]     # default build/release, configured and brought up to date
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRINGPIPE_BENCH=ON -DRINGPIPE_TESTS=OFF \
      -DRINGPIPE_EXAMPLES=OFF -DRINGPIPE_COMMAND=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target ringpipe_spin_sweep >/dev/null
command -v gnuplot >/dev/null || { echo "plots: gnuplot is missing (bash scripts/setup.sh installs gnuplot-nox)" >&2; exit 1; }

plots=bench/plots
"$build/bench/ringpipe_spin_sweep" --csv "$plots/spin.csv"
(cd "$plots" && gnuplot spin.gp)
echo "plots: wrote $plots/spin.png"
