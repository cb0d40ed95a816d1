"""OR-Library p-median: the project's core against the published optima (pmedopt), and
against PySAL spopt's PMedian on the same instances in the same run.

    python3 -m pip install -r benchmarks/requirements.txt    # spopt, for the comparison
    python3 benchmarks/pmedian.py                            # every pmed instance; spopt on pmed1-10
    python3 benchmarks/pmedian.py --only pmed1,pmed6 --spopt pmed1,pmed6 --csv out.csv
    python3 benchmarks/pmedian.py --capacitated --compare-csv compare.csv   # both variants

Prints one CSV row per instance: instance,n,p,objective,optimum,rel_diff,status,seconds
(the core's wall time from the distance matrix in memory to the plan, model building
included; the median of ``--runs`` runs, 3 by default). Then, for the instances given to
--spopt, spopt's objective and time (``PMedian.from_cost_matrix(...).solve(pulp.PULP_CBC_CMD)``,
model building included, one thread; the median of as many runs) and the ratio. With
--capacitated, the same instances with every facility holding at most ceil(1.2 n / p)
points, solved by both. ``--compare-csv FILE`` writes the comparison, one row per instance
and variant: instance,variant,core_seconds,spopt_seconds,ratio,core_objective,spopt_objective.
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from placeplan.optimise import Status, p_median, solve
from placeplan.optimise.orlib import read_pmed

ORLIB = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib"
TOLERANCE = 1e-6
CAPACITY_SLACK = 1.2
COMPARE_HEADER = [
    "instance",
    "variant",
    "core_seconds",
    "spopt_seconds",
    "ratio",
    "core_objective",
    "spopt_objective",
]


def optima(folder: Path) -> dict[str, float]:
    with open(folder / "OPTIMA.csv", newline="") as handle:
        return {
            row["instance"]: float(row["optimal_value"])
            for row in csv.DictReader(handle)
            if row["problem"] == "p-median"
        }


def capacity_for(n: int, p: int) -> float:
    return float(math.ceil(CAPACITY_SLACK * n / p))


def core(distance: np.ndarray, p: int, capacity: float | None) -> tuple[float, str, float]:
    start = time.perf_counter()
    problem = p_median(distance, np.ones(len(distance)), p, capacity=capacity)
    result = solve(problem)
    return result.objective, str(result.status), time.perf_counter() - start


def median_of(runs: int, once: Callable[..., tuple[float, str, float]], *args: object) -> tuple[float, str, float]:
    """(objective, status, median seconds) of ``runs`` calls of ``once(*args)``; every run
    must give the same objective and status (the solve is repeatable), or the benchmark
    says so."""
    results = [once(*args) for _ in range(max(1, runs))]
    objective, status, _ = results[0]
    if any((o, st) != (objective, status) for o, st, _ in results):
        print(f"# warning: runs differ: {[(o, st) for o, st, _ in results]}", flush=True)
    return objective, status, statistics.median(s for _, _, s in results)


def spopt_solve(distance: np.ndarray, p: int, capacity: float | None, time_limit: float) -> tuple[float, str, float]:
    import pulp
    from spopt.locate import PMedian

    start = time.perf_counter()
    capacities = None if capacity is None else np.full(len(distance), capacity)
    model = PMedian.from_cost_matrix(distance, np.ones(len(distance)), p_facilities=p, facility_capacities=capacities)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, threads=1))
    seconds = time.perf_counter() - start
    status = pulp.LpStatus[model.problem.status].lower()
    return float(pulp.value(model.problem.objective)), status, seconds


def _names(text: str | None, known: list[str]) -> list[str]:
    return known if text is None else [n for n in text.split(",") if n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated instances for the core (default: all 40)")
    parser.add_argument(
        "--spopt",
        default=",".join(f"pmed{i}" for i in range(1, 11)),
        help="comma-separated instances to solve with spopt too ('' for none)",
    )
    parser.add_argument("--spopt-limit", type=float, default=600.0, help="seconds per spopt solve")
    parser.add_argument("--capacitated", action="store_true", help="also the capacitated variant")
    parser.add_argument("--csv", help="also write the core rows to this CSV file")
    parser.add_argument(
        "--compare-csv",
        help="write the comparison with spopt to this CSV file, one row per instance and variant",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per solve; the median time is reported")
    parser.add_argument("--data", default=str(ORLIB))
    args = parser.parse_args(argv)
    folder = Path(args.data)
    best = optima(folder)
    names = _names(args.only, sorted(best, key=lambda s: int(s[4:])))
    header = "instance,n,p,objective,optimum,rel_diff,status,seconds"
    print(header, flush=True)
    rows, failures, core_seconds, core_objective, instances = [], 0, {}, {}, {}
    for name in names:
        inst = read_pmed(folder / f"{name}.txt")
        instances[name] = inst
        objective, status, seconds = median_of(args.runs, core, inst.distance, inst.p, None)
        rel = abs(objective - best[name]) / best[name]
        ok = status == str(Status.OPTIMAL) and rel <= TOLERANCE
        failures += not ok
        core_seconds[name], core_objective[name] = seconds, objective
        row = [
            name,
            str(len(inst.distance)),
            str(inst.p),
            f"{objective:.0f}",
            f"{best[name]:.0f}",
            f"{rel:.2e}",
            status,
            f"{seconds:.2f}",
        ]
        rows.append(row)
        print(",".join(row), flush=True)
    times = list(core_seconds.values())
    print(
        f"# core: {len(names) - failures}/{len(names)} proven optimal at the published optimum; "
        f"{sum(times):.1f} s in all, median {statistics.median(times):.2f} s, max {max(times):.2f} s",
        flush=True,
    )
    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            csv.writer(handle).writerows([header.split(","), *rows])

    compare = [n for n in _names(args.spopt, []) if n]
    variants = [("uncapacitated", False)] + ([("capacitated", True)] if args.capacitated else [])
    compared: list[list[str]] = []
    for label, capacitated in variants:
        if not compare:
            break
        print(f"# {label} p-median: the core and spopt (PuLP + CBC) on the same instances", flush=True)
        print(
            "instance,variant,core_objective,core_seconds,spopt_objective,spopt_status,spopt_seconds,"
            "equal_objective,speedup",
            flush=True,
        )
        ratios = []
        for name in compare:
            inst = instances.get(name) or read_pmed(folder / f"{name}.txt")
            capacity = capacity_for(len(inst.distance), inst.p) if capacitated else None
            if capacitated or name not in core_seconds:
                objective, _, seconds = median_of(args.runs, core, inst.distance, inst.p, capacity)
            else:  # solved above, in the same run
                objective, seconds = core_objective[name], core_seconds[name]
            s_obj, s_status, s_seconds = median_of(
                args.runs, spopt_solve, inst.distance, inst.p, capacity, args.spopt_limit
            )
            equal = abs(s_obj - objective) <= TOLERANCE * max(1.0, abs(objective))
            ratio = s_seconds / seconds
            ratios.append(ratio)
            failures += not equal
            compared.append(
                [name, label, f"{seconds:.3f}", f"{s_seconds:.3f}", f"{ratio:.1f}", f"{objective:.0f}", f"{s_obj:.0f}"]
            )
            print(
                f"{name},{label},{objective:.0f},{seconds:.3f},{s_obj:.0f},{s_status},{s_seconds:.2f},"
                f"{equal},{ratio:.1f}",
                flush=True,
            )
        print(
            f"# {label}: spopt/core time, median {statistics.median(ratios):.1f}x, "
            f"min {min(ratios):.1f}x, max {max(ratios):.1f}x over {len(ratios)} instances (target >= 10x)",
            flush=True,
        )
    if args.compare_csv:
        with open(args.compare_csv, "w", newline="") as handle:
            csv.writer(handle).writerows([COMPARE_HEADER, *compared])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
