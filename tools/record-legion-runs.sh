#!/usr/bin/env bash
# Records the real Legion runs in tests/legion-runs (docs/legion.md, "Recorded runs"): every
# mapper of daxpy, stencil and circuit, REPEATS times, in rounds (each round runs every mapper
# once, so a drift of the machine's load touches them all alike), with Legion Spy's and Legion
# Prof's logs, the program's output and its wall-clock time. Then EXAMPLE/times.json gets every
# run's measured times (`mapsmith import --json`), and only the first repetition's logs are kept
# (they are what validate and the tests read; the others would make the data too large to
# commit). It runs programs built against an installed Legion; it builds nothing.
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
daxpy_args=(-n 4194304 -b 8)
stencil_args=(-n 4194304 -b 8)
circuit_args=(-l 4 -p 8 -npp 250 -wpp 1000 -i 640)

run_one() {  # run_one EXAMPLE MAPPER REP PROGRAM ARGS...
  local example=$1 mapper=$2 rep=$3
  shift 3
  local dir="$out/$example/$mapper/$rep"
  rm -rf "$dir"
  mkdir -p "$dir"
  local t0 t1
  t0=$(date +%s.%N)
  "$@" -lg:spy -logfile "$dir/spy_%.log" -lg:prof 1 -lg:prof_logfile "$dir/prof_%.gz" \
    -lg:prof_no_critical_paths >"$dir/out.txt" 2>"$dir/err.txt"
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >"$dir/wall_s.txt"
  if ! grep -q -E "SUCCESS|ELAPSED TIME" "$dir/out.txt"; then
    echo "$dir: the run failed:" >&2
    cat "$dir/err.txt" >&2
    exit 1
  fi
  gzip -9 -n "$dir/spy_0.log"
  rm -f "$dir/err.txt"  # Legion's warning that Legion Spy slows the run, every time
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

# Every run's measured times, as `mapsmith import --json` measures them; then the logs of the
# repetitions after the first go.
for example in daxpy stencil circuit; do
  python3 - "$build/mapsmith" "$out" "$example" "$src/tests/legion-runs/host.json" <<'PY'
import glob, json, os, re, subprocess, sys
mapsmith, out, example, host = sys.argv[1:5]
runs = []
for rep_dir in sorted(glob.glob(os.path.join(out, example, "*", "*"))):
    mapper, rep = rep_dir.split(os.sep)[-2:]
    if mapper == "mappers":
        continue
    r = subprocess.run([mapsmith, "import", rep_dir, "-o", "/tmp/record-legion-runs", "-q",
                        "--calibration", host, "--json"], capture_output=True, text=True,
                       check=True)
    m = json.loads(r.stdout)["measured"]
    text = open(os.path.join(rep_dir, "out.txt")).read()
    reported = re.search(r"ELAPSED TIME = *([0-9.]+)", text)
    runs.append({"mapper": mapper, "rep": int(rep), "time_s": m["time_s"],
                 "iteration_time_s": m["iteration_time_s"], "iterations": m["iterations"],
                 "reported_s": float(reported.group(1)) if reported else None,
                 "wall_s": float(open(os.path.join(rep_dir, "wall_s.txt")).read())})
runs.sort(key=lambda r: (r["mapper"], r["rep"]))
with open(os.path.join(out, example, "times.json"), "w") as f:
    json.dump({"example": example, "legion": "25.06.0", "runs": runs}, f, indent=1)
    f.write("\n")
PY
  for rep_dir in "$out/$example"/*/*; do
    case "$rep_dir" in */mappers/*|*/1) continue ;; esac
    rm -f "$rep_dir/spy_0.log.gz" "$rep_dir/prof_0.gz"
  done
done
