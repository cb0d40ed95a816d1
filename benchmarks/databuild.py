"""How long `placeplan data build` and `placeplan validate` take on real councils.

Builds each dataset from the repository's open data several times into a temporary
folder and prints the median, min and max wall time of the build (validation of the built
dataset included) and of loading and validating it again, as `validate` does.

    python3 benchmarks/databuild.py [--runs 5] [--la Essex] [--la "Kingston upon Thames,Richmond upon Thames"]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from pathlib import Path

from placeplan.databuild import build_dataset
from placeplan.dataset import load_dataset

DEFAULT = ["Essex", "Kingston upon Thames,Richmond upon Thames", "Devon", "Birmingham"]


def _timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--la", action="append", help="councils built together, comma-separated (repeatable)")
    args = parser.parse_args()
    print("councils,zones,pupils,sites,options,build_median_s,build_min_s,build_max_s,validate_median_s")
    with tempfile.TemporaryDirectory() as folder:
        for number, group in enumerate(args.la or DEFAULT):
            names = [n.strip() for n in group.split(",")]
            builds, loads = [], []
            for run in range(args.runs):
                seconds, report = _timed(functools.partial(build_dataset, names, Path(folder) / f"g{number}-{run}"))
                builds.append(seconds)
                loads.append(_timed(functools.partial(load_dataset, report.path))[0])
            print(
                f'"{" + ".join(names)}",{report.zones},{report.pupils},{report.sites},{report.options},'
                f"{statistics.median(builds):.2f},{min(builds):.2f},{max(builds):.2f},"
                f"{statistics.median(loads):.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
