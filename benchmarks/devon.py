"""The real Devon case: p-median on real car travel times (shared/data/open/devon).

729 LSOAs weighted by their population aged 50-83 (``pop_mid2024_mf50_83``), 18 sites (4
existing, kept open, and 14 candidates), and the Valhalla car travel-time matrix. For every
p from 5 to 15 (the 4 existing sites count towards p) the project's core chooses the sites
minimising the demand-weighted mean journey, and the script prints

    p,sites,weighted_mean_minutes,status,seconds

with ``sites`` the open sites' ``site_index`` values joined by ';'. Where at most three
candidates open, every choice of them is also enumerated and the best one's weighted mean
is printed after the table as a check.

    python3 benchmarks/devon.py [--data DIR] [--p 5-15]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from placeplan.optimise import p_median, solve

DEVON = Path(__file__).resolve().parents[2] / "shared" / "data" / "open" / "devon"


def load(folder: Path) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Minutes (LSOA x site, in site_index order), weights, and the sites in the matrix."""
    sites = pd.read_csv(folder / "sites.csv")
    sites = sites[sites["in_travel_matrix"]].sort_values("site_index")
    matrix = pd.read_csv(folder / "travel_matrix_car.csv").set_index("from_id")
    lsoas = pd.read_csv(folder / "lsoa_centroids.csv").set_index("lsoa21_name")
    minutes = matrix.loc[lsoas.index, sites["Facility_Name"]].to_numpy(dtype=float)  # joined by name
    return minutes, lsoas["pop_mid2024_mf50_83"].to_numpy(dtype=float), sites


def enumerate_best(minutes: np.ndarray, weights: np.ndarray, existing: np.ndarray, new: int) -> float:
    """The best weighted mean journey over every choice of ``new`` candidates (brute force)."""
    candidates = [i for i in range(minutes.shape[1]) if i not in set(existing)]
    best = np.inf
    for chosen in itertools.combinations(candidates, new):
        open_ = np.concatenate([existing, chosen]).astype(int)
        best = min(best, float(weights @ minutes[:, open_].min(axis=1)))
    return best / weights.sum()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(DEVON))
    parser.add_argument("--p", default="5-15", help="a range first-last")
    args = parser.parse_args(argv)
    minutes, weights, sites = load(Path(args.data))
    existing = np.flatnonzero(sites["Existing"].eq("Yes").to_numpy())
    first, last = (int(v) for v in args.p.split("-"))
    print("p,sites,weighted_mean_minutes,status,seconds", flush=True)
    means: dict[int, float] = {}
    for p in range(first, last + 1):
        start = time.perf_counter()
        result = solve(p_median(minutes, weights, p, fixed_open=existing))
        seconds = time.perf_counter() - start
        opened = sites["site_index"].to_numpy(dtype=int)[result.option_open]
        mean = result.objective / weights.sum()
        print(f"{p},{';'.join(str(i) for i in sorted(opened))},{mean:.4f},{result.status},{seconds:.2f}", flush=True)
        means[p] = mean
    for p, mean in means.items():
        if p - len(existing) <= 3:
            best = enumerate_best(minutes, weights, existing, p - len(existing))
            print(f"# p={p}: enumeration of every choice gives {best:.4f} (core {mean:.4f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
