#!/usr/bin/env bash
# Tables of what `mapsmith tune` finds: for each of the nine benchmarks on sapling and sapling-4,
# the speedup of the best mapper over the expert mapper (expert time / best time, simulated) for
# budgets of 10, 100 and 1000 mappers, over 5 seeds: the geometric mean, the worst and the best.
#
#   tools/tune-results.sh [BUILD_DIR [OUT.md]]     (defaults: build, docs/tuning-results.md)
#
# Environment: OPTIMIZER (default ensemble), SEEDS (default "0 1 2 3 4"), BUDGETS (default
# "10 100 1000"), APPS, MACHINES, JOBS (default: one per core). One results database is shared
# by every run (a temporary file): a run with a smaller budget mostly retraces the start of the
# larger one with the same seed, so most of it is answered from the database.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-docs/tuning-results.md}
exe="$build/mapsmith"
optimizer=${OPTIMIZER:-ensemble}
seeds=${SEEDS:-"0 1 2 3 4"}
budgets=${BUDGETS:-"10 100 1000"}
apps=${APPS:-"circuit stencil pennant cannon summa pumma johnson cosma solomonik"}
machines=${MACHINES:-"sapling sapling-4"}
jobs=${JOBS:-0}
[ -x "$exe" ] || { echo "tune-results: build $exe first" >&2; exit 2; }
db=$(mktemp -d)/results.db
trap 'rm -rf "$(dirname "$db")"' EXIT

# The value of a top-level key of `mapsmith tune --json` (printed with a 2-space indent).
field() { sed -n "s/^  \"$1\": \\(.*\\),\$/\\1/p; s/^  \"$1\": \\([^,]*\\)\$/\\1/p" | head -1; }

# Largest budget first: the smaller ones are then free.
sorted_budgets=$(tr ' ' '\n' <<<"$budgets" | sort -rn | tr '\n' ' ')
declare -A speedup expert default
for m in $machines; do
  for a in $apps; do
    for b in $sorted_budgets; do
      for s in $seeds; do
        json=$("$exe" tune --app "$a" --machine "$m" --optimizer "$optimizer" --budget "$b" \
                 --seed "$s" --db "$db" --out none --json --jobs "$jobs")
        speedup[$m,$a,$b,$s]=$(field speedup_vs_expert <<<"$json")
        expert[$m,$a]=$(field expert_time_s <<<"$json")
        default[$m,$a]=$(field default_time_s <<<"$json")
        echo "tune-results: $a on $m, budget $b, seed $s: ${speedup[$m,$a,$b,$s]}x" >&2
      done
    done
  done
done

{
  echo "# Tuning results"
  echo
  echo "What \`mapsmith tune --optimizer $optimizer\` finds on the nine benchmarks, from the expert"
  echo "mapper, scored by the simulator: the speedup of the best mapper over the expert mapper"
  echo "(expert time per iteration / best time per iteration) for each budget of distinct mappers,"
  echo "over the seeds $seeds: geometric mean, and [worst, best]. A speedup of 1.000 means"
  echo "nothing faster than the expert was found; it is never below 1 (the expert is evaluated"
  echo "first). The default policy, evaluated second, is a candidate too: its column gives its"
  echo "own speedup over the expert (\"fails\" when it cannot run: the GEMMs need C_order tiles)."
  echo "Produced by \`tools/tune-results.sh\` (docs/tuning.md) with $("$exe" --version) on $(date -u +%Y-%m-%d);"
  echo "the figures move with the simulator's model: regenerate them after it changes."
  for m in $machines; do
    echo
    echo "## $m"
    echo
    printf '| app | expert (s/iteration) | default policy |'
    for b in $budgets; do printf ' budget %s |' "$b"; done
    echo
    printf '|---|---|---|'
    for b in $budgets; do printf -- '---|'; done
    echo
    for a in $apps; do
      printf '| %s | %.4g |' "$a" "${expert[$m,$a]}"
      if [ "${default[$m,$a]}" = null ]; then
        printf ' fails |'
      else
        awk -v e="${expert[$m,$a]}" -v d="${default[$m,$a]}" 'BEGIN { printf " %.3f |", e / d }'
      fi
      for b in $budgets; do
        vals=""
        for s in $seeds; do vals="$vals ${speedup[$m,$a,$b,$s]}"; done
        awk -v v="$vals" 'BEGIN {
          n = split(v, x, " "); lo = 1e300; hi = 0; lg = 0;
          for (i = 1; i <= n; i++) { lg += log(x[i]); if (x[i] < lo) lo = x[i]; if (x[i] > hi) hi = x[i] }
          printf " %.3f [%.3f, %.3f] |", exp(lg / n), lo, hi }'
      done
      echo
    done
  done
} >"$out"
echo "tune-results: wrote $out" >&2
