#!/usr/bin/env bash
# Sets up, builds and runs the main demo: the echo pipeline server with its built-in client.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh demo
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DRINGPIPE_TESTS=OFF -DRINGPIPE_BENCH=OFF \
  -DRINGPIPE_INSTALL=OFF
cmake --build build/release -j"$(nproc)" --target echo_pipeline
./build/release/examples/echo_pipeline --demo "$@"
