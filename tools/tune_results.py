#!/usr/bin/env python3
"""What `mapsmith tune` finds: for each app and machine, each optimizer, started from the expert
mapper and without it (from the default policy), over several seeds, at budgets 10, 100 and 1000.

Usage (from the source tree; python3 with the standard library only):

    python3 tools/tune_results.py [--mapsmith build/mapsmith] [-o OUT.md] [--jobs N]

tools/results.py includes this section in docs/results.md. Every number comes from
`mapsmith tune --json` (its `trajectory`: each improvement of the best mapper found without the
expert, at the evaluation that made it), so one run of the largest budget per (optimizer, start,
seed) gives every smaller budget: the best after b evaluations is the last improvement at or
before b. The output is deterministic: the tuner is (fixed batches, folded in order), runs are
independent processes with no shared database, and nothing depends on the time or the paths.
"""

import argparse
import concurrent.futures
import json
import math
import os
import subprocess
import sys

APPS = ["circuit", "stencil", "pennant", "cannon", "summa", "pumma", "johnson", "solomonik", "cosma"]
MACHINES = ["sapling", "sapling-4"]
OPTIMIZERS = ["random", "coordinate-descent", "evolutionary", "ensemble"]
STARTS = ["expert", "default"]
SEEDS = [0, 1, 2, 3, 4]
BUDGETS = [10, 100, 1000]
REFERENCE_BUDGET = 10000  # one long ensemble run per app and machine, for the best known mapper
EXHAUSTIVE_LIMIT = 1000  # the largest space the exhaustive optimizer is run on


def run_json(cmd):
    """The JSON a mapsmith command prints (exit status 0, or 1 for a mapper that fails)."""
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode not in (0, 1) or not p.stdout.strip():
        sys.exit(f"{' '.join(cmd)} exited with {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout)


def tune(mapsmith, app, machine, optimizer, start, seed, budget):
    """The --json object of one run, with nothing stored or written."""
    return run_json([mapsmith, "tune", "--app", app, "--machine", machine, "--optimizer",
                     optimizer, "--start", start, "--seed", str(seed), "--budget", str(budget),
                     "--db", "none", "--out", "none", "--jobs", "1", "--json"])


def best_at(run, budget, with_expert):
    """The best time after `budget` proposals of the optimizer (inf when nothing ran): the
    trajectory's last improvement at or before it (the references, evaluated first, come on top
    of the budget), and the expert (evaluation 1) when the run may use it."""
    best = math.inf
    if with_expert and run["expert_time_s"] is not None:
        best = run["expert_time_s"]
    for number, time_s in run["trajectory"]:
        if number <= budget + run.get("references", 0):
            best = min(best, time_s)
    return best


def first_reaching(run, target, with_expert):
    """The first evaluation at which the best time is at most `target`; None when never."""
    if with_expert and run["expert_time_s"] is not None and run["expert_time_s"] <= target:
        return 1
    for number, time_s in run["trajectory"]:
        if time_s <= target:
            return number
    return None


def fmt_speedup(x):
    if x == 0:
        return "fails"
    return f"{x:.3f}"


def fmt_evals(values, total):
    """'mean (reached/total)' of the evaluations that reached a target; '—' when none did."""
    reached = [v for v in values if v is not None]
    if not reached:
        return f"— (0/{total})"
    return f"{sum(reached) / len(reached):.0f} ({len(reached)}/{total})"


def collect(mapsmith, jobs, apps, machines, optimizers, starts, seeds, budget, reference_budget):
    """Runs everything in parallel processes; returns {key: json} keyed by the run's inputs."""
    work = []
    for machine in machines:
        for app in apps:
            for optimizer in optimizers:
                for start in starts:
                    for seed in seeds:
                        work.append((app, machine, optimizer, start, seed, budget))
            if reference_budget:
                work.append((app, machine, "ensemble", "expert", 0, reference_budget))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(tune, mapsmith, *w): w for w in work}
        for done, f in enumerate(concurrent.futures.as_completed(futures), 1):
            results[futures[f]] = f.result()
            if done % 50 == 0 or done == len(work):
                print(f"tune_results: {done}/{len(work)} runs", file=sys.stderr)
    return results


def section(mapsmith, jobs=os.cpu_count() or 1, apps=APPS, machines=MACHINES,
            optimizers=OPTIMIZERS, starts=STARTS, seeds=SEEDS, budgets=BUDGETS,
            reference_budget=REFERENCE_BUDGET):
    """The markdown lines of the tuning section."""
    top = max(budgets)
    runs = collect(mapsmith, jobs, apps, machines, optimizers, starts, seeds, top,
                   reference_budget)
    out = []
    w = out.append
    n = len(seeds)
    w("## Tuning: what each optimizer finds, with and without the expert")
    w("")
    w(f"Each cell summarises {n} runs (seeds {', '.join(map(str, seeds))}) of `mapsmith tune --app A "
      f"--machine M --optimizer O --start S --seed N --budget {top} --json` (simulated times per "
      "iteration); one trajectory per seed gives every budget. *Speed-up* is the expert's time "
      "over the best time found within the budget: the geometric mean over the seeds, then "
      "[worst, best]. **From the expert** (`--start expert`), the expert mapper is evaluation 1 "
      "and the optimizer starts at it, so the speed-up is never below 1. **Without the expert** "
      "(`--start default`), the optimizer starts at Legion's default policy and only what it "
      "finds counts (the expert is still evaluated, as the reference, but not used): that is the "
      "paper's setting, where the agent starts from nothing. *fails* means every mapper tried "
      "within the budget failed.")
    w("")
    w(f"*To 99%*: evaluations until the best found is within 1% of the **best known** mapper "
      f"(the fastest of all these runs and of one {reference_budget}-evaluation ensemble run from "
      "the expert), mean over the seeds that got there, and how many did. *To expert*: the same "
      "for reaching the expert's time without it. The spaces have 10^18 to 10^192 points (the "
      "`points` column), far beyond any exhaustive search, so the best known mapper is the "
      "reference; the exhaustive optimizer runs only on spaces of at most "
      f"{EXHAUSTIVE_LIMIT} points (none of these).")
    w("")
    summary = []
    for machine in machines:
        for app in apps:
            first = runs[(app, machine, optimizers[0], starts[0], seeds[0], top)]
            expert = first["expert_time_s"]
            if expert is None:
                sys.exit(f"the expert mapper of {app} fails on {machine}: "
                         f"{first.get('expert_failure')}")
            default = first["default_time_s"]
            points = first["space"]["points"]
            everything = [r for k, r in runs.items() if k[0] == app and k[1] == machine]
            best_known = min([best_at(r, r["budget"], True) for r in everything])
            w(f"### {app} on {machine}")
            w("")
            e = f"{expert * 1e3:.4g} ms" if expert is not None else "fails"
            d = f"{default * 1e3:.4g} ms" if default is not None else "fails"
            w(f"Expert {e}, default policy {d}, best known {best_known * 1e3:.4g} ms "
              f"({expert / best_known:.3f}x the expert); space of {points:.3g} points.")
            w("")
            head = "| optimizer | start |" + "".join(f" speed-up at {b} |" for b in budgets)
            w(head + " to 99% | to expert |")
            w("|---|---|" + "---|" * len(budgets) + "---|---|")
            for optimizer in optimizers:
                for start in starts:
                    with_expert = start == "expert"
                    rs = [runs[(app, machine, optimizer, start, s, top)] for s in seeds]
                    cells = []
                    for b in budgets:
                        sp = [expert / best_at(r, b, with_expert) for r in rs]
                        pos = [x for x in sp if x > 0]
                        if len(pos) == n:
                            gm = math.exp(sum(math.log(x) for x in pos) / n)
                            mean = fmt_speedup(gm)
                        else:
                            mean = f"{n - len(pos)}/{n} fail"
                        cells.append(f"{mean} [{fmt_speedup(min(sp))}, {fmt_speedup(max(sp))}]")
                    to99 = [first_reaching(r, best_known / 0.99, with_expert) for r in rs]
                    if with_expert:
                        to_expert = "(starts there)"
                    else:
                        reach = [first_reaching(r, expert, False) for r in rs]
                        to_expert = fmt_evals(reach, n)
                        summary.append((app, machine, optimizer, reach))
                    w(f"| {optimizer} | {start} | " + " | ".join(cells) +
                      f" | {fmt_evals(to99, n)} | {to_expert} |")
            w("")
    # How often each optimizer, started without the expert, reaches the expert's time.
    w("### Without the expert: how often each optimizer reaches the expert's time")
    w("")
    w(f"Runs (of {n} seeds × {len(apps) * len(machines)} app-machine pairs) in which the "
      f"optimizer, started from the default policy, found a mapper at least as fast as the "
      f"expert within {top} evaluations, and the mean evaluations it took.")
    w("")
    w("| optimizer | reached | mean evaluations | pairs where no seed did |")
    w("|---|---|---|---|")
    for optimizer in optimizers:
        rows = [s for s in summary if s[2] == optimizer]
        reached = [v for s in rows for v in s[3] if v is not None]
        never = [f"{s[0]}/{s[1]}" for s in rows if all(v is None for v in s[3])]
        mean = f"{sum(reached) / len(reached):.0f}" if reached else "—"
        w(f"| {optimizer} | {len(reached)}/{n * len(rows)} | {mean} | "
          f"{', '.join(never) if never else 'none'} |")
    w("")
    return out


LLM_APPS = ["circuit", "cosma", "pennant"]  # recorded runs in tests/llm/APP.jsonl (sapling)


def llm_section(mapsmith, root, jobs=os.cpu_count() or 1, budget=10):
    """The recorded LLM runs (tests/llm/, made through the manual exchange, docs/results.md says
    by whom) replayed offline, beside the classical optimizers from the expert at the same budget
    of proposals (5 seeds each), and the recorded `hybrid` runs replayed likewise."""
    out = []
    w = out.append
    w(f"## The LLM optimizer beside the classical ones, at {budget} proposals")
    w("")
    w(f"`llm`: the recorded run replayed (`--llm-replay tests/llm/APP.jsonl`, one run: the "
      f"model's replies are fixed); the others: mean speed-up over seeds 0-4, from the expert, "
      f"`--budget {budget}` (proposals; the expert and the default policy are extra for all); "
      f"`hybrid` (`--hybrid-evals 8`: one LLM step, 8 coordinate-descent mappers, one LLM step) "
      f"replayed from `tests/llm/hybrid-APP.jsonl`.")
    w("")
    w("| app | llm | " + " | ".join(OPTIMIZERS) + " | hybrid |")
    w("|---|---|" + "---|" * len(OPTIMIZERS) + "---|")
    for app in LLM_APPS:
        rec = os.path.join(root, "tests", "llm", app + ".jsonl")
        llm = run_json([mapsmith, "tune", "--app", app, "--machine", "sapling", "--optimizer",
                        "llm", "--llm", "manual", "--llm-replay", rec, "--budget", str(budget),
                        "--db", "none", "--out", "none", "--json"])
        cells = [f"{llm['speedup_vs_expert']:.3f}"]
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            for optimizer in OPTIMIZERS:
                rs = list(pool.map(lambda s: tune(mapsmith, app, "sapling", optimizer, "expert",
                                                  s, budget), SEEDS))
                sp = [r["speedup_vs_expert"] or 0 for r in rs]
                cells.append(f"{sum(sp) / len(sp):.3f}")
        hyb = run_json([mapsmith, "tune", "--app", app, "--machine", "sapling", "--optimizer",
                        "hybrid", "--llm", "manual", "--llm-replay",
                        os.path.join(root, "tests", "llm", "hybrid-" + app + ".jsonl"),
                        "--budget", str(budget), "--db", "none", "--out", "none", "--json"])
        w(f"| {app} | " + " | ".join(cells) + f" | {hyb['speedup_vs_expert']:.3f} |")
    w("")
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mapsmith", default=os.path.join(root, "build", "mapsmith"))
    ap.add_argument("-o", "--output", help="write here instead of standard output")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="runs in parallel (default: one per core)")
    ap.add_argument("--apps", default=",".join(APPS))
    ap.add_argument("--machines", default=",".join(MACHINES))
    ap.add_argument("--optimizers", default=",".join(OPTIMIZERS))
    ap.add_argument("--seeds", type=int, default=len(SEEDS), help="seeds 0..N-1 (default 5)")
    ap.add_argument("--reference-budget", type=int, default=REFERENCE_BUDGET)
    ap.add_argument("--llm-only", action="store_true",
                    help="only the section of the recorded LLM runs")
    args = ap.parse_args()
    if args.llm_only:
        text = "\n".join(llm_section(args.mapsmith, root, args.jobs)) + "\n"
        sys.stdout.write(text)
        return
    lines = section(args.mapsmith, args.jobs, args.apps.split(","), args.machines.split(","),
                    args.optimizers.split(","), STARTS, list(range(args.seeds)), BUDGETS,
                    args.reference_budget)
    text = "\n".join(lines) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
