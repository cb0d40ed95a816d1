"""placeplan solve on the shipped scenarios: time to a proven plan, by solver.

Runs the whole pipeline (demand, travel, model build, solve; no counterfactuals) several
times per scenario and solver, and prints the median, min and max wall time with the
status, objective and gap, so the default solver is chosen by measurement.

    python3 benchmarks/solve.py [--runs 3] [--solver scip --solver highs] [--scenario scenarios/kingston-richmond.toml]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

from placeplan.pipeline import load_inputs
from placeplan.plan import solve_scenario

DEFAULT_SCENARIOS = ["scenarios/kingston-richmond.toml", "scenarios/essex.toml"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--solver", action="append", help="scip, highs (repeatable; default both)")
    parser.add_argument("--scenario", action="append", help="scenario file (repeatable)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.key=value")
    parser.add_argument("--time-limit", type=float, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print("scenario,solver,status,objective,gap,model_variables,median_s,min_s,max_s", flush=True)
    for path in args.scenario or DEFAULT_SCENARIOS:
        inputs = load_inputs(path, tuple(args.overrides))
        for solver in args.solver or ["highs", "scip"]:
            seconds, solved = [], None
            for _ in range(args.runs):
                start = time.perf_counter()
                solved = solve_scenario(inputs, solver=solver, time_limit=args.time_limit, with_explain=False)
                seconds.append(time.perf_counter() - start)
            summary = solved.summary
            print(f"{path},{solver},{summary['status']},{summary['objective']:.0f},{summary['gap']:.2e},"
                  f"{summary['model_size'].get('variables', 0)},{statistics.median(seconds):.1f},"
                  f"{min(seconds):.1f},{max(seconds):.1f}", flush=True)


if __name__ == "__main__":
    main()
