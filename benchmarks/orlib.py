"""OR-Library capacitated facility location: the project's core against the published optima,
and against a plain textbook model in OR-Tools on capa/capb/capc, in the same run.

    python3 benchmarks/orlib.py                     # every instance, then the textbook timing
    python3 benchmarks/orlib.py --skip-textbook     # quick: the core only
    python3 benchmarks/orlib.py --only cap41,capa_8000 --csv out.csv

Prints one CSV row per instance: instance,objective,optimum,rel_diff,status,seconds (the
core's wall time from the arrays in memory to the plan, model building included). Then, for
capa/capb/capc, the textbook model's time and the ratio of the totals. Exit code 1 when an
instance is not proven optimal within 1e-6 relative of its published optimum.

The textbook model is the one in every text (e.g. Beasley 1988): min sum f_i y_i +
sum c_ij x_ij, sum_i x_ij = 1, sum_j d_j x_ij <= s_i y_i, x_ij <= y_i, 0 <= x <= 1, y binary,
built with pywraplp and solved by SCIP with the same relative gap (1e-7) and one thread.
(The weaker textbook model without x_ij <= y_i is slower still: over 8 minutes on capa at 8000.)
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from placeplan.optimise import Status, cflp, solve  # noqa: E402
from placeplan.optimise.orlib import read_cap  # noqa: E402

ORLIB = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib"
TOLERANCE = 1e-6
GAP = 1e-7


def instances(folder: Path) -> list[tuple[str, float]]:
    with open(folder / "OPTIMA.csv", newline="") as handle:
        return [(row["instance"], float(row["optimal_value"])) for row in csv.DictReader(handle)
                if row["problem"] == "CFLP"]


def load(folder: Path, name: str):
    base, _, capacity = name.partition("_")
    return read_cap(folder / f"{base}.txt", float(capacity) if capacity else None, name=name)


def textbook(inst, *, time_limit: float | None) -> tuple[float, str, float, float]:
    """The plain model in pywraplp + SCIP: (objective, status, build seconds, total seconds)."""
    from ortools.linear_solver import pywraplp

    start = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("SCIP")
    m, n = len(inst.capacity), len(inst.demand)
    y = [solver.BoolVar(f"y{i}") for i in range(m)]
    x = [[solver.NumVar(0.0, 1.0, f"x{j}_{i}") for i in range(m)] for j in range(n)]
    for j in range(n):
        solver.Add(solver.Sum(x[j]) == 1)
    for i in range(m):
        solver.Add(solver.Sum([float(inst.demand[j]) * x[j][i] for j in range(n)]) <= float(inst.capacity[i]) * y[i])
    for j in range(n):
        for i in range(m):
            solver.Add(x[j][i] <= y[i])
    solver.Minimize(solver.Sum([float(inst.fixed_cost[i]) * y[i] for i in range(m)])
                    + solver.Sum([float(inst.cost[j, i]) * x[j][i] for j in range(n) for i in range(m)]))
    built = time.perf_counter() - start
    solver.SetNumThreads(1)
    if time_limit is not None:
        solver.SetTimeLimit(int(time_limit * 1000))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, GAP)
    code = solver.Solve(params)
    status = {pywraplp.Solver.OPTIMAL: "optimal", pywraplp.Solver.FEASIBLE: "time_limit"}.get(code, f"code {code}")
    objective = solver.Objective().Value() if code in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE) else float("nan")
    return objective, status, built, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated instance names (e.g. cap41,capa_8000)")
    parser.add_argument("--csv", help="also write the rows to this CSV file")
    parser.add_argument("--data", default=str(ORLIB), help="folder with the OR-Library files and OPTIMA.csv")
    parser.add_argument("--solver", default="scip", choices=["scip", "highs", "cp-sat"])
    parser.add_argument("--skip-textbook", action="store_true", help="do not time the textbook model")
    parser.add_argument("--textbook-limit", type=float, default=1800.0,
                        help="seconds per textbook solve (a hit makes the ratio a lower bound)")
    parser.add_argument("--verbose", action="store_true", help="log the core's stages")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    folder = Path(args.data)
    todo = instances(folder)
    if args.only:
        wanted = args.only.split(",")
        todo = [(name, opt) for name, opt in todo if name in wanted or name.partition("_")[0] in wanted]

    rows, failures, core_seconds = [], 0, {}
    print("instance,objective,optimum,rel_diff,status,seconds", flush=True)
    for name, optimum in todo:
        inst = load(folder, name)
        start = time.perf_counter()
        result = solve(cflp(inst.capacity, inst.fixed_cost, inst.demand, inst.cost), solver=args.solver)
        seconds = time.perf_counter() - start
        rel = abs(result.objective - optimum) / abs(optimum)
        ok = result.status == Status.OPTIMAL and rel <= TOLERANCE
        failures += not ok
        core_seconds[name] = seconds
        row = [name, f"{result.objective:.3f}", f"{optimum:.3f}", f"{rel:.2e}", str(result.status), f"{seconds:.2f}"]
        rows.append(row)
        print(",".join(row), flush=True)
    times = list(core_seconds.values())
    print(f"# core: {len(todo) - failures}/{len(todo)} instances proven optimal within {TOLERANCE:g} of the published "
          f"optimum; {sum(times):.1f} s in all, median {statistics.median(times) if times else 0:.2f} s, "
          f"max {max(times) if times else 0:.2f} s", flush=True)

    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["instance", "objective", "optimum", "rel_diff", "status", "seconds"])
            writer.writerows(rows)

    big = [name for name, _ in todo if name.partition("_")[0] in ("capa", "capb", "capc")]
    if big and not args.skip_textbook:
        print("instance,core_seconds,textbook_seconds,textbook_build_seconds,textbook_objective,textbook_status",
              flush=True)
        core_total = textbook_total = 0.0
        limited = False
        for name in big:
            inst = load(folder, name)
            objective, status, built, seconds = textbook(inst, time_limit=args.textbook_limit)
            limited |= status != "optimal"
            core_total += core_seconds[name]
            textbook_total += seconds
            print(f"{name},{core_seconds[name]:.2f},{seconds:.2f},{built:.2f},{objective:.3f},{status}", flush=True)
        ratio = textbook_total / core_total if core_total else float("inf")
        print(f"# capa/capb/capc: core {core_total:.1f} s, textbook {textbook_total:.1f} s, textbook/core = "
              f"{'>= ' if limited else ''}{ratio:.1f}x (target >= 5x)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
