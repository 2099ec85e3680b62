#!/usr/bin/env bash
# Records the real Legion runs in tests/legion-runs (docs/legion.md, "Recorded runs"): every
# mapper of daxpy, stencil and circuit, REPEATS times, in rounds (each round runs every mapper
# once, so a drift of the machine's load touches them all alike), with Legion Spy's and Legion
# Prof's logs, the program's output and its wall-clock time. It runs programs built against an
# installed Legion; it builds nothing.
#
#   tools/record-legion-runs.sh BUILD_DIR [REPEATS] [OUT]
#
# BUILD_DIR is a mapsmith build configured with Legion_DIR, MAPSMITH_LEGION_SOURCE_DIR and
# -DMAPSMITH_LEGION_RECORDINGS=ON, with daxpy_runtime, stencil_runtime and circuit_c* built.
set -euo pipefail
build=${1:?usage: record-legion-runs.sh BUILD_DIR [REPEATS] [OUT]}
reps=${2:-3}
out=${3:-tests/legion-runs}
src=$(cd "$(dirname "$0")/.." && pwd)
legion_bin="$build/tests/legion"

# The machine the runs use: 2 CPU processors and a utility processor (this host has 2 cores),
# 2 GiB of system memory and 1 GiB of registered memory (RDMEM, for the mappers that place
# instances there).
machine=(-ll:cpu 2 -ll:util 1 -ll:csize 2048 -ll:rsize 1024)
daxpy_args=(-n 8388608 -b 8)
stencil_args=(-n 8388608 -b 8)
circuit_args=(-l 5 -p 8 -npp 2000 -wpp 8000 -i 40)

run_one() {  # run_one EXAMPLE MAPPER REP PROGRAM ARGS...
  local example=$1 mapper=$2 rep=$3
  shift 3
  local dir="$out/$example/$mapper/$rep"
  rm -rf "$dir"
  mkdir -p "$dir"
  local t0 t1
  t0=$(date +%s.%N)
  "$@" -lg:spy -logfile "$dir/spy_%.log" -lg:prof 1 -lg:prof_logfile "$dir/prof_%.gz" \
    >"$dir/out.txt" 2>"$dir/err.txt"
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >"$dir/wall_s.txt"
  gzip -9 -n "$dir/spy_0.log"
  [ -s "$dir/err.txt" ] || rm "$dir/err.txt"
  grep -q -E "SUCCESS|ELAPSED TIME" "$dir/out.txt" || { echo "$dir: the run failed" >&2; exit 1; }
  echo "$dir: $(cat "$dir/wall_s.txt") s"
}

for rep in $(seq 1 "$reps"); do
  for m in "$src"/tests/legion-runs/daxpy/mappers/*.mapping; do
    name=$(basename "$m" .mapping)
    run_one daxpy "$name" "$rep" "$legion_bin/daxpy_runtime" "${daxpy_args[@]}" "${machine[@]}" \
      -mapping "$m"
  done
  for m in "$src"/tests/legion-runs/stencil/mappers/*.mapping; do
    name=$(basename "$m" .mapping)
    run_one stencil "$name" "$rep" "$legion_bin/stencil_runtime" "${stencil_args[@]}" \
      "${machine[@]}" -mapping "$m"
  done
  for m in "$src"/tests/legion-runs/circuit/mappers/*.mapping; do
    name=$(basename "$m" .mapping)
    run_one circuit "$name" "$rep" "$legion_bin/circuit_$name" "${circuit_args[@]}" "${machine[@]}"
  done
done
