#!/usr/bin/env bash
# Installs what ringpipe needs from Debian 12's packages: `setup.sh demo` only what the library and its
# examples need (a compiler, CMake, Asio, CLI11); `setup.sh` everything the tests and benchmarks need.
set -euo pipefail

demo_packages=(
  build-essential cmake               # g++ 12 and CMake
  libasio-dev                         # the library's one dependency (standalone Asio, header-only)
  libcli11-dev                        # the examples' argument parsing
)

packages=(
  build-essential cmake clang-14 git  # toolchains: g++ 12 builds and tests, clang 14 must compile too
  clang-format-14                     # the formatting check
  libclang-rt-14-dev                  # libFuzzer and the sanitizers' runtime for clang 14 (tests/fuzz)
  libasio-dev catch2 libfmt-dev       # the library, its tests, the benchmarks' output
  libcli11-dev                        # argument parsing of the programs (examples, benchmarks, stress test)
  relacy-dev                          # the model check of the lock-free protocol
  libssl-dev                          # the test of asio::ssl::stream over a ringpipe stream
  liburing-dev                        # asio::stream_file (io_uring) in the file pipeline example
  libboost-dev                        # boost::lockfree::spsc_queue, a contender in the queue benchmark
  libreaderwriterqueue-dev            # moodycamel's SPSC queues, contenders in the queue benchmark
  pkg-config                          # the test of the installed pkg-config file
  doxygen                             # the API reference, and its check that every public name is documented
  libxxhash-dev                       # the ringpipe command's --hash xxh3
  gnuplot-nox                         # the benchmarks' plots (scripts/plots.sh)
  mbuffer socat pv netcat-openbsd     # the ringpipe command's end-to-end tests and benchmark: its peers
)
if [ "${1:-}" = demo ]; then
  packages=("${demo_packages[@]}")
fi

run_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  run_as_root apt-get update -q
  run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
