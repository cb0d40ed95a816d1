"""placeplan solve on the shipped scenarios: the README's main job, and time to a proven
plan by solver.

First the README's main job as a new user runs it (``placeplan solve
scenarios/kingston-richmond.toml``, counterfactuals and documents included, in a new
process each time), against the same job with ``--no-explain`` measured in the same run:
the median, min and max wall time of ``--runs`` runs, the target (at most 60 s), and
whether every run wrote byte-identical shortlist.csv, explain.csv and map.html. Then the
whole pipeline (demand, travel, model build, solve; no counterfactuals) per scenario and
solver, with the status, objective and gap, so the default solver is chosen by measurement.

    python3 benchmarks/solve.py [--runs 3] [--solver scip --solver highs] [--scenario scenarios/kingston-richmond.toml] [--no-main-job]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from placeplan.pipeline import load_inputs
from placeplan.plan import solve_scenario

DEFAULT_SCENARIOS = ["scenarios/kingston-richmond.toml", "scenarios/essex.toml"]
MAIN_JOB = "scenarios/kingston-richmond.toml"
MAIN_JOB_TARGET_S = 60.0
#: The files two runs of the same inputs must write byte for byte alike (issue 11).
REPEATED = ("shortlist.csv", "explain.csv", "map.html")


def _run_main_job(out: Path, *extra: str) -> tuple[float, dict[str, str]]:
    start = time.perf_counter()
    # the console script's own entry point, in this interpreter: what `placeplan solve` runs
    command = [
        sys.executable,
        "-c",
        "from placeplan.cli import run; run()",
        "--quiet",
        "solve",
        MAIN_JOB,
        "--out",
        str(out),
        *extra,
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    return seconds, {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in REPEATED if (out / name).is_file()
    }


def main_job(runs: int) -> None:
    """The README's main job, median of ``runs``, against the job without counterfactuals."""
    full, quick, hashes = [], [], []
    with tempfile.TemporaryDirectory() as work:
        for i in range(runs):
            seconds, files = _run_main_job(Path(work) / f"full{i}")
            full.append(seconds)
            hashes.append(files)
            quick.append(_run_main_job(Path(work) / f"quick{i}", "--no-explain")[0])
    same = all(h == hashes[0] for h in hashes) and len(hashes[0]) == len(REPEATED)
    median, base = statistics.median(full), statistics.median(quick)
    print("job,runs,median_s,min_s,max_s", flush=True)
    print(f"main job (placeplan solve {MAIN_JOB}),{runs},{median:.1f},{min(full):.1f},{max(full):.1f}")
    print(f"same job with --no-explain,{runs},{base:.1f},{min(quick):.1f},{max(quick):.1f}")
    print(
        f"main job / --no-explain: {median / base:.2f}x; target at most {MAIN_JOB_TARGET_S:.0f} s: "
        f"{'met' if median <= MAIN_JOB_TARGET_S else 'NOT met'}"
    )
    print(f"{', '.join(REPEATED)} byte-identical over {runs} runs: {'yes' if same else 'NO'}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--solver", action="append", help="scip, highs (repeatable; default both)")
    parser.add_argument("--scenario", action="append", help="scenario file (repeatable)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.key=value")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--no-main-job", action="store_true", help="skip the README's main job")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not args.no_main_job:
        main_job(args.runs)
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
            print(
                f"{path},{solver},{summary.status},{summary.objective:.0f},{summary.gap:.2e},"
                f"{summary.model_size.get('variables', 0)},{statistics.median(seconds):.1f},"
                f"{min(seconds):.1f},{max(seconds):.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
