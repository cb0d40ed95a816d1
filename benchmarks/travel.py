"""Travel within reach: the KD-tree against computing every zone-site pair.

Real data: every LSOA in England (Census 2021 centroids) to every open special school and
mainstream school that could host an SRP, under the default phase limits. Prints the
median of several runs of each, the ratio, and the pairs kept.

    python3 benchmarks/travel.py [--runs 5] [--source DIR]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from placeplan.scenario.model import Travel
from placeplan.travel import facility_limits, travel_pairs

ROOT = Path(__file__).resolve().parents[1]


def _source(path: str | None) -> Path:
    for candidate in ([Path(path)] if path else []) + [
        ROOT / "data" / "open",
        ROOT.parent / "shared" / "data" / "open",
    ]:
        if (candidate / "schools.csv.gz").is_file() and (candidate / "lsoa_population.csv.gz").is_file():
            return candidate
    raise SystemExit("open data not found: pass --source DIR holding schools.csv.gz and lsoa_population.csv.gz")


def load(source: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    lsoas = pd.read_csv(source / "lsoa_population.csv.gz", usecols=["lsoa21_code", "easting", "northing"])
    zones = lsoas.rename(columns={"lsoa21_code": "zone_id", "easting": "x", "northing": "y"})
    schools = pd.read_csv(
        source / "schools.csv.gz", usecols=["urn", "education_phase", "send_setting_category", "easting", "northing"]
    ).dropna(subset=["easting"])
    phase_ncy = {"Primary": (0, 6), "Secondary": (7, 11), "All-through": (0, 13), "Not applicable": (-1, 14)}
    schools = schools[
        schools["education_phase"].isin(phase_ncy)
        & schools["send_setting_category"].str.match("special|mainstream_(la|academy|free)")
    ]
    ncy = schools["education_phase"].map(phase_ncy)
    facilities = pd.DataFrame(
        {
            "facility_id": "URN" + schools["urn"].astype(str),
            "x": schools["easting"],
            "y": schools["northing"],
            "ncy_min": [a for a, _ in ncy],
            "ncy_max": [b for _, b in ncy],
        }
    )
    return zones, facilities.reset_index(drop=True)


def brute_force(zones: pd.DataFrame, facilities: pd.DataFrame, settings: Travel) -> int:
    """Every pair, in blocks of facilities to bound memory; returns pairs within reach."""
    limits = facility_limits(facilities["ncy_min"], facilities["ncy_max"], settings.max_minutes.model_dump())
    zx, zy = zones["x"].to_numpy(float), zones["y"].to_numpy(float)
    kept = 0
    for start in range(0, len(facilities), 500):
        block = facilities.iloc[start : start + 500]
        metres = np.hypot(
            zx[:, None] - block["x"].to_numpy(float)[None, :], zy[:, None] - block["y"].to_numpy(float)[None, :]
        )
        minutes = settings.terminal_minutes + metres / 1000 * settings.circuity / settings.speed_kmh * 60
        kept += int((minutes <= limits[start : start + 500][None, :]).sum())
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--source", default=None)
    args = parser.parse_args()
    zones, facilities = load(_source(args.source))
    settings = Travel()
    indexed, brute = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        pairs = travel_pairs(zones, facilities, crs="EPSG:27700", settings=settings)
        indexed.append(time.perf_counter() - start)
        start = time.perf_counter()
        kept = brute_force(zones, facilities, settings)
        brute.append(time.perf_counter() - start)
    assert kept == len(pairs), (kept, len(pairs))
    all_pairs = len(zones) * len(facilities)
    print("method,zones,facilities,all_pairs,pairs_within_reach,median_seconds")
    print(f"kd_tree,{len(zones)},{len(facilities)},{all_pairs},{len(pairs)},{statistics.median(indexed):.3f}")
    print(f"all_pairs,{len(zones)},{len(facilities)},{all_pairs},{kept},{statistics.median(brute):.3f}")
    print(
        f"# ratio all_pairs/kd_tree = {statistics.median(brute) / statistics.median(indexed):.2f} "
        f"(median of {args.runs} runs each; pairs within reach = {len(pairs) / all_pairs:.1%} of all pairs)"
    )


if __name__ == "__main__":
    main()
