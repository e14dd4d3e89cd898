#!/usr/bin/env bash
# Regenerates the benchmarks' plots in bench/plots/ from fresh runs: each benchmark writes its CSV there
# (--csv; one schema, bench_support.hpp's csv_output, except spin.csv), and gnuplot draws the PNGs that
# bench/README.md embeds. Run it on a quiet machine (no build beside it): about 6 minutes. The data files
# are committed with the pictures.
#
#   bash scripts/plots.sh [BUILD_DIR] [ROUNDS]   # default build/release (configured and brought up to date), 3
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-3}
command -v gnuplot >/dev/null || { echo "plots: gnuplot is missing (bash scripts/setup.sh installs gnuplot-nox)" >&2; exit 1; }
benchmarks=(ringpipe_bench ringpipe_async_bench ringpipe_queue_bench ringpipe_queue_pinned_O2 ringpipe_queue_pinned_O3
            ringpipe_wake_latency ringpipe_spin_sweep)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRINGPIPE_BENCH=ON -DRINGPIPE_TESTS=OFF \
      -DRINGPIPE_EXAMPLES=OFF -DRINGPIPE_COMMAND=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${benchmarks[@]}" >/dev/null

plots=bench/plots
# Each run's report (the tables and ratios bench/README.md quotes) is kept in $build/plots.log.
log="$build/plots.log"
: >"$log"
run() { echo "plots: $*" | tee -a "$log" >&2; "$build/bench/$@" >>"$log"; }
run ringpipe_bench --rounds "$rounds" --sweep chunk --csv "$plots/throughput-chunk.csv"
run ringpipe_bench --rounds "$rounds" --sweep ring --csv "$plots/throughput-ring.csv"
run ringpipe_async_bench --rounds "$rounds" --sweep chunk --csv "$plots/async-chunk.csv"
run ringpipe_async_bench --rounds "$rounds" --csv "$plots/async.csv"
run ringpipe_queue_bench --rounds "$rounds" --csv "$plots/queue.csv"
run ringpipe_queue_pinned_O2 --rounds "$rounds" --csv "$plots/queue-pinned-O2.csv"
run ringpipe_queue_pinned_O3 --rounds "$rounds" --csv "$plots/queue-pinned-O3.csv"
run ringpipe_wake_latency --csv "$plots/wake-latency.csv"
run ringpipe_spin_sweep --csv "$plots/spin.csv"
for script in "$plots"/*.gp; do
  (cd "$plots" && gnuplot "$(basename "$script")")
done
echo "plots: wrote $(cd "$plots" && ls ./*.png | tr '\n' ' '), and the reports to $log"
