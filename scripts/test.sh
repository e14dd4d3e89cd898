#!/usr/bin/env bash
# Sets up, builds and runs every test: the g++ build (unit, concurrency, stress, ThreadSanitizer,
# model check and packaging tests), an AddressSanitizer + UndefinedBehaviorSanitizer build of the
# tests and examples, bounded libFuzzer runs, and a clang 14 build of the library, examples and unit
# tests, after a formatting check.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
jobs=$(nproc)

# Formatting first, as it takes a second: the tree is clang-format-14 clean (.clang-format at the root).
find include src tests examples bench command -name '*.cpp' -o -name '*.hpp' | xargs clang-format-14 --dry-run -Werror

cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
  -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
cmake --build build/gcc -j"$jobs"
ctest --test-dir build/gcc --output-on-failure --timeout 900

# AddressSanitizer and UndefinedBehaviorSanitizer over the library, the tests and the examples: any report
# fails the run. The allocation test counts with ASan's allocation hook there.
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
  -DCMAKE_CXX_FLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DRINGPIPE_SANITIZER_TESTS=OFF -DRINGPIPE_MODEL_CHECK=OFF -DRINGPIPE_BENCH=OFF
cmake --build build/asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure --timeout 900 -LE package

# libFuzzer (clang 14, with ASan and UBSan): each target runs for a bounded time over its seed corpus.
cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_CXX_FLAGS="-O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DRINGPIPE_FUZZ=ON \
  -DRINGPIPE_TESTS=OFF -DRINGPIPE_EXAMPLES=OFF -DRINGPIPE_BENCH=OFF -DRINGPIPE_INSTALL=OFF
cmake --build build/fuzz -j"$jobs"
ctest --test-dir build/fuzz --output-on-failure

cmake -S . -B build/clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_COMPILE_WARNING_AS_ERROR=ON -DRINGPIPE_SANITIZER_TESTS=OFF -DRINGPIPE_MODEL_CHECK=OFF
cmake --build build/clang -j"$jobs"
ctest --test-dir build/clang --output-on-failure --timeout 900 -LE package
