#!/usr/bin/env bash
# Compares two checkouts on every benchmark: `bash scripts/bench_compare.sh OTHER_CHECKOUT [ARGS...]`
# builds both in Release (build/bench-release of each) and runs each benchmark of the other checkout,
# then this one's, benchmark by benchmark, passing ARGS to each. The machine's speed drifts between
# runs (bench/README.md), so alternating lets the drift fall on both sides alike. Each run is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: bash scripts/bench_compare.sh OTHER_CHECKOUT [benchmark arguments]" >&2
  exit 2
fi
other=$(cd "$1" && pwd)
shift
bash scripts/setup.sh

benches=(ringpipe_bench ringpipe_async_bench ringpipe_queue_bench ringpipe_process_bench ringpipe_wake_latency)
for checkout in "$other" "$PWD"; do
  cmake -S "$checkout" -B "$checkout/build/bench-release" -DCMAKE_BUILD_TYPE=Release -DRINGPIPE_TESTS=OFF \
    -DRINGPIPE_EXAMPLES=OFF > /dev/null
  cmake --build "$checkout/build/bench-release" -j"$(nproc)" --target "${benches[@]}" > /dev/null
done

status=0
for bench in "${benches[@]}"; do
  for checkout in "$other" "$PWD"; do
    echo
    echo "== $bench, $checkout ($(git -C "$checkout" rev-parse --short HEAD))"
    result=0
    # An older checkout's benchmarks may have no watchdog of their own.
    timeout 600 "$checkout/build/bench-release/bench/$bench" "$@" || result=$?
    if [ "$result" -ne 0 ]; then echo "== $bench exited with $result"; fi
    if [ "$result" -gt "$status" ]; then status=$result; fi
  done
done
exit "$status"
