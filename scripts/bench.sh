#!/usr/bin/env bash
# Sets up, builds a Release build of the benchmarks alone (build/bench-release) and runs every one of
# them in turn with its default arguments, passing its own arguments on to each: `bash scripts/bench.sh
# --quick` for a smoke run, `--strict` to fail on a missed target. bench/README.md explains the figures;
# run it on an otherwise idle machine, since the benchmarks need both threads on a CPU of their own.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

benches=(ringpipe_bench ringpipe_async_bench ringpipe_queue_bench ringpipe_queue_pinned_O2 ringpipe_queue_pinned_O3
         ringpipe_process_bench ringpipe_wake_latency ringpipe_spin_sweep ringpipe_file_read_bench)
cmake -S . -B build/bench-release -DCMAKE_BUILD_TYPE=Release -DRINGPIPE_TESTS=OFF -DRINGPIPE_EXAMPLES=OFF
cmake --build build/bench-release -j"$(nproc)" --target "${benches[@]}"

# Every benchmark runs even when one fails or misses a target; the exit status is the worst of them.
status=0
for bench in "${benches[@]}"; do
  echo
  echo "== $bench $*"
  result=0
  build/bench-release/bench/"$bench" "$@" || result=$?
  if [ "$result" -gt "$status" ]; then status=$result; fi
done
exit "$status"
