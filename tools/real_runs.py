#!/usr/bin/env python3
"""The "Real runs" section of docs/results.md (issue #16): for each example recorded in
tests/legion-runs (daxpy, stencil, circuit under Legion 25.06, docs/legion.md), the model that
`mapsmith import` makes of one run (the baseline mapper's first repetition) predicts every mapper's
time with `mapsmith simulate`; the measured time of a mapper is the median of its repetitions as
`mapsmith import --json` measured them when they were recorded (tests/legion-runs/EXAMPLE/
times.json; src/importer/real_runs_test.cpp checks the first repetition's entry against its
logs). Kendall's tau-b between the two and the median relative
error of the prediction are what src/importer/real_runs_test.cpp holds the line on.

Usage (from the source tree; python3 with the standard library only):

    python3 tools/real_runs.py [--mapsmith build/mapsmith]       # the section on standard output

tools/results.py includes it in docs/results.md. The output is deterministic.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

EXAMPLES = ["daxpy", "stencil", "circuit"]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def kendall_tau(a, b):
    """Kendall's tau-b (ties in either list count as neither concordant nor discordant)."""
    c = d = ta = tb = 0
    for i in range(len(a)):
        for j in range(i + 1, len(a)):
            x, y = a[i] - a[j], b[i] - b[j]
            if x == 0 and y == 0:
                continue
            if x == 0:
                ta += 1
            elif y == 0:
                tb += 1
            elif (x > 0) == (y > 0):
                c += 1
            else:
                d += 1
    den = ((c + d + ta) * (c + d + tb)) ** 0.5
    return (c - d) / den if den else 0.0


def median(v):
    v = sorted(v)
    m = len(v) // 2
    return v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2


def example(mapsmith, runs, name, tmp):
    host = os.path.join(runs, "host.json")
    mappers = sorted(glob.glob(os.path.join(runs, name, "mappers", "*.mapping")))
    stems = [os.path.splitext(os.path.basename(m))[0] for m in mappers]
    model = os.path.join(tmp, name)
    run([mapsmith, "import", os.path.join(runs, name, stems[0], "1"), "-o", model, "-q",
         "--calibration", host, "--name", name])
    times = json.load(open(os.path.join(runs, name, "times.json")))["runs"]
    rows = []
    for mapper, stem in zip(mappers, stems):
        sim = json.loads(run([mapsmith, "simulate", "--app", model + ".app.json", "--machine",
                              model + ".machine.json", "--mapper", mapper, "--json",
                              "--no-compare"]))
        measured = [r["iteration_time_s"] for r in times if r["mapper"] == stem]
        # The mapper's own first run, imported and predicted under the same mapper.
        own = os.path.join(tmp, "own")
        run([mapsmith, "import", os.path.join(runs, name, stem, "1"), "-o", own, "-q",
             "--calibration", host, "--name", name])
        self_sim = json.loads(run([mapsmith, "simulate", "--app", own + ".app.json",
                                   "--machine", own + ".machine.json", "--mapper", mapper,
                                   "--json", "--no-compare"]))
        first = [r["iteration_time_s"] for r in times if r["mapper"] == stem and r["rep"] == 1][0]
        rows.append((stem, median(measured), sim["iteration_time_s"], len(measured),
                     (self_sim["iteration_time_s"] - first) / first))
    return rows


def section(mapsmith, root):
    runs = os.path.join(root, "tests", "legion-runs")
    out = []
    w = out.append
    w("## Real runs: the simulator against Legion")
    w("")
    w("Legion 25.06.0 (CPU-only) ran Legion's daxpy (tutorial 07), stencil (tutorial 08) and "
      "circuit examples under 14, 14 and 13 mappers, three times each, on this 2-core machine "
      "(`-ll:cpu 2 -ll:util 1`; docs/legion.md, \"Recorded runs\", has the commands and the "
      "machine). For each example, `mapsmith import` made a model of one run (the first mapper's "
      "first repetition, with `--calibration tests/legion-runs/host.json`) and `mapsmith "
      "simulate` predicted every mapper on it. *measured* is the median of the three runs as "
      "`mapsmith import` measures a run: the main loop's time per iteration for circuit, the "
      "whole run (from the first launched task's creation to the last task's end) for daxpy and "
      "stencil, which have no loop. Regenerate with `python3 tools/real_runs.py`; "
      "`src/importer/real_runs_test.cpp` fails if tau drops or the error grows.")
    w("")
    with tempfile.TemporaryDirectory() as tmp:
        summary = []
        for name in EXAMPLES:
            rows = example(mapsmith, runs, name, tmp)
            meas = [r[1] for r in rows]
            pred = [r[2] for r in rows]
            tau = kendall_tau(meas, pred)
            err = median([abs(p - m) / m for m, p in zip(meas, pred)])
            summary.append((name, len(rows), tau, err, median([abs(r[4]) for r in rows])))
            w(f"### {name}")
            w("")
            own = median([abs(r[4]) for r in rows])
            w("| mapper | measured (ms) | predicted (ms) | error | own model's error |")
            w("|---|---|---|---|---|")
            for stem, m, p, n, e in rows:
                w(f"| `{stem}` | {1e3 * m:.1f} | {1e3 * p:.1f} | {100 * (p - m) / m:+.1f}% | "
                  f"{100 * e:+.1f}% |")
            w("")
            w(f"Kendall's tau {tau:.3f}; median absolute error {100 * err:.1f}% (each mapper "
              f"predicted on its own run's model: {100 * own:.1f}%).")
            w("")
        w("### Summary")
        w("")
        w("| example | mappers | Kendall's tau | median absolute error | on its own run's model |")
        w("|---|---|---|---|---|")
        for name, n, tau, err, own in summary:
            w(f"| {name} | {n} | {tau:.3f} | {100 * err:.1f}% | {100 * own:.1f}% |")
        w("")
    w("**Why the ranks are wrong on this machine.** The model takes each CPU processor for a core "
      "of its own, so it predicts the mappers that use both CPUs about twice as fast as those "
      "that use one. On this host the opposite is measured: it has 2 virtual cores, shared with "
      "Legion's utility processor, Realm's background threads and, while the runs were made, "
      "other builds (load average 4 to 7), so two CPU processors do not run two tasks at once. "
      "The logs show it directly: daxpy's 16 `init_field` bodies take 335 ms in all on one CPU "
      "(`d02_one_cpu`) and 948 ms spread over two (`d01_default`), and circuit's 32 "
      "`calc_new_currents` bodies 76 ms on one CPU (`c02_one_cpu`) and 140 ms over two "
      "(`c04_block`); the whole daxpy run is faster on one CPU (1168 ms) than on two (1318 ms), "
      "circuit's iteration too (38.5 against 85.2 ms). Where nothing but the processor count "
      "changes, the ranking is inverted, hence the negative tau. Placed on its own run's model "
      "(the last column: each mapper's run imported and simulated under that mapper), the "
      "prediction of daxpy and stencil is within 7% and 5% (median), so the structure and the "
      "costs the import takes from the logs are right; what goes wrong across mappers is that "
      "the measured task times depend on how many tasks share the cores. Circuit's own-run error "
      "(79%) has a second cause, which `mapsmith validate` shows: each iteration makes about 81 "
      "copies inside system memory (324 in 4 iterations, 17 KiB in all) between the instances "
      "CircuitMapper makes for the private, shared and ghost nodes, each with its runtime cost, "
      "and its task bodies fill only a fifth of the iteration; the simulator keeps one instance "
      "per piece and memory and predicts no such copy (docs/simulator.md §3). What would give "
      "meaningful ranks: runs on a machine with idle cores (no such machine was available to "
      "this work), and a model of processors that share cores and of instances within a memory.")
    w("")
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mapsmith", default=os.path.join(root, "build", "mapsmith"))
    args = ap.parse_args()
    sys.stdout.write("\n".join(section(args.mapsmith, root)) + "\n")


if __name__ == "__main__":
    main()
