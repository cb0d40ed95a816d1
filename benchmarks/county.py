"""A large county: Essex, five-year horizon. Dataset build, model build and solve times,
peak memory and the gap, over several runs, each in a fresh process so its peak memory is
its own. Target: a gap of 0.5% or better within 60 s on 2 cores with at most 4 GB.

    python3 benchmarks/county.py [--runs 3] [--time-limit 60] [--set solve.max_zones=60 ...]

Prints one row per run (build_s: `placeplan data build --la Essex`; model_s: demand,
travel and model build; solve_s; peak_mb: the process's peak resident memory), then the
medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ONE_RUN = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
from placeplan.databuild import build_dataset
from placeplan.pipeline import load_inputs
from placeplan.plan import solve_scenario
overrides, time_limit = json.loads(sys.argv[1]), float(sys.argv[2])
with tempfile.TemporaryDirectory() as folder:
    start = time.perf_counter()
    build_dataset(["Essex"], Path(folder) / "essex")
    build_s = time.perf_counter() - start
inputs = load_inputs("scenarios/essex.toml", tuple(overrides))
solved = solve_scenario(inputs, time_limit=time_limit, with_explain=False)
stages, summary = solved.stages, solved.summary
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"build_s": build_s, "model_s": stages["demand"] + stages["travel"] + stages["build"],
                  "solve_s": stages["solve"], "status": summary.status, "gap": summary.gap,
                  "objective": summary.objective, "variables": summary.model_size.get("variables"),
                  "peak_mb": peak_mb}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    keys = ["build_s", "model_s", "solve_s", "gap", "peak_mb"]
    print("run,build_s,model_s,solve_s,status,gap_pct,objective,variables,peak_mb", flush=True)
    rows = []
    for run in range(1, args.runs + 1):
        done = subprocess.run(
            [sys.executable, "-c", ONE_RUN, json.dumps(args.overrides), str(args.time_limit)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{run},{row['build_s']:.2f},{row['model_s']:.2f},{row['solve_s']:.1f},{row['status']},"
            f"{100 * row['gap']:.3f},{row['objective']:.0f},{row['variables']},{row['peak_mb']:.0f}",
            flush=True,
        )
    medians = {key: statistics.median(r[key] for r in rows) for key in keys}
    print(
        f"# median of {len(rows)}: build {medians['build_s']:.2f} s, model {medians['model_s']:.2f} s, solve "
        f"{medians['solve_s']:.1f} s, gap {100 * medians['gap']:.3f}%, peak {medians['peak_mb']:.0f} MB "
        f"(target: gap <= 0.5% within 60 s, <= 4096 MB)",
        flush=True,
    )


if __name__ == "__main__":
    main()
