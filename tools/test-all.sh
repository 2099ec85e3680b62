#!/usr/bin/env bash
# Builds and runs every test: the regular build with warnings as errors, the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzzer (the front end, and the evaluator
# over one launch) for 60 seconds.
# MAPSMITH_QUICK=1 runs only the first; MAPSMITH_FUZZ_SECONDS changes the fuzzing time.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${MAPSMITH_FUZZ_SECONDS:-60}

echo "== 1/3 build and test (-Wall -Wextra -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAPSMITH_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "${MAPSMITH_QUICK:-0}" = 1 ]; then exit 0; fi

echo "== 2/3 build and test with -fsanitize=address,undefined"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DMAPSMITH_WERROR=ON \
  -DMAPSMITH_SANITIZE=ON -DMAPSMITH_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== 3/3 fuzz the front end and the evaluator for ${fuzz_seconds}s (libFuzzer, clang)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMAPSMITH_FUZZ=ON -DMAPSMITH_TESTS=OFF -DMAPSMITH_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_frontend
corpus=build-fuzz/corpus
rm -rf "$corpus" && mkdir -p "$corpus"
find tests examples -name '*.mapping' -exec cp {} "$corpus"/ \;
# Any crash, hang (-timeout), leak or sanitizer report makes libFuzzer exit non-zero.
build-fuzz/fuzz/fuzz_frontend -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 "$corpus" 2>build-fuzz/fuzz.log || {
  tail -n 60 build-fuzz/fuzz.log
  echo "fuzzing found a problem; the input is in the current directory (crash-*/timeout-*/leak-*)"
  exit 1
}
grep -E '^stat::number_of_executed_units' build-fuzz/fuzz.log || true
echo "tests: all passed"
