"""OR-Library capacitated facility location: the project's core against the published optima,
and against a plain textbook model in OR-Tools on capa/capb/capc, in the same run.

    python3 benchmarks/orlib.py                     # every instance, then the textbook timing
    python3 benchmarks/orlib.py --skip-textbook     # quick: the core only
    python3 benchmarks/orlib.py --only cap41,capa_8000 --csv out.csv
    python3 benchmarks/orlib.py --only capa,capb,capc --repeat 5 --textbook-limit 900

Prints one CSV row per instance: instance,objective,optimum,rel_diff,status,seconds, where
seconds is the median wall time of ``--repeat`` core solves (from the arrays in memory to the
plan, model building included; the status and objective are those of every repeat, which
must agree). Exit code 1 when an instance is not proven optimal within 1e-6 relative of its
published optimum.

For capa/capb/capc the textbook model is solved once, right after the core's runs on the same
instance (so both meet the same load on a shared machine), and the script ends with a table
and the ratio of the totals, textbook / core, in wall time and in CPU time of this process
(CPU time is the steadier figure when other work shares the machine). A textbook solve that
hits ``--textbook-limit`` makes the ratio a lower bound, marked ">=".

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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from placeplan.optimise import Status, cflp, solve
from placeplan.optimise.orlib import CapInstance, read_cap

ORLIB = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib"
TOLERANCE = 1e-6
GAP = 1e-7
TEXTBOOK_SETS = ("capa", "capb", "capc")


@dataclass(frozen=True)
class Timing:
    objective: float
    status: str
    wall: float  # seconds
    cpu: float  # seconds of CPU time used by this process


def instances(folder: Path) -> list[tuple[str, float]]:
    with open(folder / "OPTIMA.csv", newline="") as handle:
        return [
            (row["instance"], float(row["optimal_value"])) for row in csv.DictReader(handle) if row["problem"] == "CFLP"
        ]


def load(folder: Path, name: str) -> CapInstance:
    base, _, capacity = name.partition("_")
    return read_cap(folder / f"{base}.txt", float(capacity) if capacity else None, name=name)


def core(inst: CapInstance, *, solver: str) -> Timing:
    """The project's core, from the arrays in memory to the plan."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = solve(cflp(inst.capacity, inst.fixed_cost, inst.demand, inst.cost), solver=solver)
    return Timing(result.objective, str(result.status), time.perf_counter() - wall, time.process_time() - cpu)


def textbook(inst: CapInstance, *, time_limit: float | None) -> Timing:
    """The plain model in pywraplp + SCIP, built and solved."""
    from ortools.linear_solver import pywraplp

    wall, cpu = time.perf_counter(), time.process_time()
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
    solver.Minimize(
        solver.Sum([float(inst.fixed_cost[i]) * y[i] for i in range(m)])
        + solver.Sum([float(inst.cost[j, i]) * x[j][i] for j in range(n) for i in range(m)])
    )
    solver.SetNumThreads(1)
    if time_limit is not None:
        solver.SetTimeLimit(int(time_limit * 1000))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, GAP)
    code = solver.Solve(params)
    status = {pywraplp.Solver.OPTIMAL: "optimal", pywraplp.Solver.FEASIBLE: "time_limit"}.get(code, f"code {code}")
    found = code in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    objective = solver.Objective().Value() if found else float("nan")
    return Timing(objective, status, time.perf_counter() - wall, time.process_time() - cpu)


def median_timing(runs: list[Timing]) -> Timing:
    """The first run's answer with the median wall and CPU times of all runs."""
    return Timing(
        runs[0].objective,
        runs[0].status,
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
    )


def compare(pairs: dict[str, tuple[Timing, Timing]]) -> None:
    """The textbook table and the ratio of the totals (a lower bound if a solve was cut off)."""
    print(
        "instance,core_seconds,textbook_seconds,core_cpu_seconds,textbook_cpu_seconds,textbook_objective,"
        "textbook_status",
        flush=True,
    )
    for name, (ours, theirs) in pairs.items():
        print(
            f"{name},{ours.wall:.2f},{theirs.wall:.2f},{ours.cpu:.2f},{theirs.cpu:.2f},{theirs.objective:.3f},"
            f"{theirs.status}",
            flush=True,
        )
    cut = any(theirs.status != "optimal" for _, theirs in pairs.values())
    sign = ">= " if cut else ""
    for label, field in (("wall", "wall"), ("cpu", "cpu")):
        ours = sum(getattr(o, field) for o, _ in pairs.values())
        theirs = sum(getattr(t, field) for _, t in pairs.values())
        ratio = theirs / ours if ours else float("inf")
        print(
            f"# {'/'.join(TEXTBOOK_SETS)} {label}: core {ours:.1f} s, textbook {theirs:.1f} s, "
            f"textbook/core = {sign}{ratio:.1f}x (target >= 5x)",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated instance names or sets (e.g. cap41,capa_8000,capb)")
    parser.add_argument("--csv", help="also write the rows to this CSV file")
    parser.add_argument("--data", default=str(ORLIB), help="folder with the OR-Library files and OPTIMA.csv")
    parser.add_argument("--solver", default="scip", choices=["scip", "highs", "cp-sat"])
    parser.add_argument("--repeat", type=int, default=3, help="core solves per instance; the median time is shown")
    parser.add_argument("--skip-textbook", action="store_true", help="do not time the textbook model")
    parser.add_argument(
        "--textbook-limit",
        type=float,
        default=1800.0,
        help="seconds per textbook solve (a hit makes the ratio a lower bound)",
    )
    parser.add_argument("--verbose", action="store_true", help="log the core's stages")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    folder = Path(args.data)
    todo = instances(folder)
    if args.only:
        wanted = args.only.split(",")
        todo = [(name, opt) for name, opt in todo if name in wanted or name.partition("_")[0] in wanted]

    rows, failures, timings, pairs = [], 0, [], {}
    print("instance,objective,optimum,rel_diff,status,seconds", flush=True)
    for name, optimum in todo:
        inst = load(folder, name)
        runs = [core(inst, solver=args.solver) for _ in range(max(1, args.repeat))]
        ours = median_timing(runs)
        rel = abs(ours.objective - optimum) / abs(optimum)
        same = all(r.status == ours.status and r.objective == ours.objective for r in runs)
        ok = ours.status == str(Status.OPTIMAL) and rel <= TOLERANCE and same
        failures += not ok
        timings.append(ours.wall)
        row = [
            name,
            f"{ours.objective:.3f}",
            f"{optimum:.3f}",
            f"{rel:.2e}",
            ours.status if same else "unsteady",
            f"{ours.wall:.2f}",
        ]
        rows.append(row)
        print(",".join(row), flush=True)
        if name.partition("_")[0] in TEXTBOOK_SETS and not args.skip_textbook:
            pairs[name] = (ours, textbook(inst, time_limit=args.textbook_limit))
    if timings:
        print(
            f"# core: {len(todo) - failures}/{len(todo)} instances proven optimal within {TOLERANCE:g} of the "
            f"published optimum; median of {max(1, args.repeat)} runs each: {sum(timings):.1f} s in all, "
            f"median {statistics.median(timings):.2f} s, max {max(timings):.2f} s",
            flush=True,
        )
    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["instance", "objective", "optimum", "rel_diff", "status", "seconds"])
            writer.writerows(rows)
    if pairs:
        compare(pairs)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
