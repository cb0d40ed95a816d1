"""Straight-line journey estimates against real car journeys: the Devon calibration.

The Devon matrix (shared/data/open/devon) holds Valhalla car minutes from 729 LSOAs (their
ONS population-weighted centroids, snapped to the nearest road) to 18 sites. The script
measures the straight line from each centroid to each site in British National Grid metres
and fits

    minutes = a + b x straight_km

by least squares, for all pairs, short journeys (< 10 km straight) and long ones. In
placeplan's terms ``a`` is a terminal time and ``b = 60 x circuity / speed_kmh`` (speed and
circuity cannot be told apart without road distances, so the speed is given at the default
circuity). It then scores placeplan's estimate with the scenario defaults, and with the
Kingston and Essex speeds, on the same pairs: real car times are a lower bound on SEND
transport (shared taxis and minibuses pick up several pupils), so the estimate should sit
above them. Prints ``fit,...`` and ``estimate,...`` CSV rows; docs/travel.md reads them.

    python3 benchmarks/travel_calibration.py [--data DIR] [--short-km 10] [--seed 1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from placeplan.scenario.model import Travel
from placeplan.travel import estimated_minutes

ROOT = Path(__file__).resolve().parents[1]


def _data(path: str | None) -> Path:
    for candidate in ([Path(path)] if path else []) + [
        ROOT / "data" / "open" / "devon",
        ROOT.parent / "shared" / "data" / "open" / "devon",
    ]:
        if (candidate / "travel_matrix_car.csv").is_file():
            return candidate
    raise SystemExit("Devon data not found: pass --data DIR holding travel_matrix_car.csv")


def load(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """(straight km, car minutes) for every LSOA-site pair, joined by name (README.md)."""
    lsoas = pd.read_csv(folder / "lsoa_centroids.csv").set_index("lsoa21_name")
    sites = pd.read_csv(folder / "sites.csv")
    sites = sites[sites["in_travel_matrix"]].set_index("Facility_Name")
    wide = pd.read_csv(folder / "travel_matrix_car.csv").set_index("from_id")
    origins = lsoas.loc[wide.index]
    destinations = sites.loc[wide.columns]
    metres = np.hypot(
        origins["pwc_easting"].to_numpy()[:, None] - destinations["easting"].to_numpy()[None, :],
        origins["pwc_northing"].to_numpy()[:, None] - destinations["northing"].to_numpy()[None, :],
    )
    return metres.ravel() / 1000.0, wide.to_numpy(dtype=float).ravel()


def fit(km: np.ndarray, minutes: np.ndarray) -> tuple[float, float, float, float]:
    """Intercept, slope, median absolute error and R^2 of minutes on straight km."""
    slope, intercept = np.polyfit(km, minutes, 1)
    predicted = intercept + slope * km
    r2 = 1.0 - float(((minutes - predicted) ** 2).sum() / ((minutes - minutes.mean()) ** 2).sum())
    return float(intercept), float(slope), float(np.median(np.abs(minutes - predicted))), r2


def intercept_interval(km: np.ndarray, minutes: np.ndarray, *, seed: int, draws: int = 500) -> tuple[float, float]:
    """95% bootstrap interval of the fitted intercept (pairs resampled)."""
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(draws):
        pick = rng.integers(0, len(km), len(km))
        found.append(np.polyfit(km[pick], minutes[pick], 1)[1])
    low, high = np.percentile(found, [2.5, 97.5])
    return float(low), float(high)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None)
    parser.add_argument("--short-km", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    km, minutes = load(_data(args.data))
    circuity = Travel().circuity
    groups = {
        "all": np.ones(len(km), dtype=bool),
        f"short_lt_{args.short_km:g}km": km < args.short_km,
        f"long_ge_{args.short_km:g}km": km >= args.short_km,
    }
    print(
        "fit,pairs,terminal_minutes,minutes_per_straight_km,speed_kmh_at_circuity_"
        f"{circuity:g},median_abs_error_minutes,r2,terminal_95pct_low,terminal_95pct_high"
    )
    for name, mask in groups.items():
        a, b, error, r2 = fit(km[mask], minutes[mask])
        low, high = intercept_interval(km[mask], minutes[mask], seed=args.seed)
        print(
            f"{name},{int(mask.sum())},{a:.2f},{b:.3f},{60 * circuity / b:.1f},{error:.2f},{r2:.3f},"
            f"{low:.2f},{high:.2f}"
        )
    # placeplan's own estimate on the same pairs: how far above the car it sits.
    print("estimate,speed_kmh,terminal_minutes,group,median_minus_car_minutes,share_at_or_above_car")
    default = Travel()
    for speed in (default.speed_kmh, 20.0, 35.0):
        for terminal in (0.0, default.terminal_minutes):
            estimate = estimated_minutes(km * circuity, speed_kmh=speed, terminal_minutes=terminal)
            for name, mask in groups.items():
                gap = estimate[mask] - minutes[mask]
                print(f"estimate,{speed:g},{terminal:g},{name},{np.median(gap):.2f},{(gap >= 0).mean():.3f}")


if __name__ == "__main__":
    main()
