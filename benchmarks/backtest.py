"""How well the demand projection has done on past data: the backtest on the DfE's
EHC-plan totals for every council, January 2019 to January 2025.

For each origin the methods are fitted on the years up to it and forecast ``--horizon``
years on; the script prints, for the default method (trend with pooling) and the
baselines, the MAPE, bias and the coverage of the P10-P90 range (one row per origin and
one pooling every origin), exactly as ``placeplan backtest --format csv`` does on the same
file. Then:

* the same on pupils in specialist settings (special schools, resourced provision and SEN
  units), the count ``placeplan project`` forecasts;
* trend pooled nationally only (the file without its region column);
* two ceilings that use the answer, to show how much of the error no method fitted on
  council totals can remove: every council given its own region's actual growth, and a
  regression of the actual growth on the council's own past growth, last year's growth,
  its plans per child and its region, fitted to the outcomes it is scored on.

By need: the DfE publishes plans by need for January 2025 only, so no backtest by need is
possible on this data; ``placeplan backtest`` reports by need when a history has a need
column.

    python3 benchmarks/backtest.py [--open-data ../shared/data/open] [--horizon 3] [--draws 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from placeplan.projection import dfe
from placeplan.projection.backtest import Settings, render_csv, render_table, run_backtest
from placeplan.projection.history import read_history

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "open"


def _history(series: pd.DataFrame, folder: Path, name: str, *, region: bool) -> Path:
    path = folder / name
    columns = ["area", "year", "pupils", *(["region"] if region else [])]
    series[columns].to_csv(path, index=False)
    return path


def _ceilings(series: pd.DataFrame, population: pd.Series, horizon: int) -> pd.DataFrame:
    """MAPE of forecasts that are told part of the answer (see the module docstring)."""
    wide = series.pivot_table(index="area", columns="year", values="pupils")
    region = series.drop_duplicates("area").set_index("area")["region"]
    first = wide.columns.min()
    rows = []
    for origin in [y for y in wide.columns if y - 1 >= first and y + horizon in wide.columns]:
        window = wide[[y for y in wide.columns if y <= origin] + [origin + horizon]].dropna()
        window = window[(window > 0).all(axis=1)]
        logs = np.log(window)
        actual = window[origin + horizon]
        totals = window.groupby(region.reindex(window.index)).sum()
        region_growth = np.log(totals[origin + horizon] / totals[origin])
        oracle = window[origin] * np.exp(region.reindex(window.index).map(region_growth))
        rows.append(("region's actual growth", origin, _mape(oracle, actual)))
        known = window.index.intersection(population.index)
        logs = logs.loc[known]
        x = pd.DataFrame({
            "own": (logs[origin] - logs[first]) / (origin - first),
            "last": logs[origin] - logs[origin - 1],
            "per_child": np.log(window.loc[known, origin] / population[known]),
        })
        dummies = pd.get_dummies(region.reindex(known)).astype(float)
        design = np.column_stack([dummies.to_numpy(), x.to_numpy()])
        target = (logs[origin + horizon] - logs[origin]).to_numpy()
        coef = np.linalg.lstsq(design, target, rcond=None)[0]
        fitted = window.loc[known, origin] * np.exp(design @ coef)
        rows.append(("regression fitted to the outcomes", origin, _mape(fitted, actual[known])))
    table = pd.DataFrame(rows, columns=["ceiling", "origin", "mape"])
    return table.pivot(index="ceiling", columns="origin", values="mape")


def _mape(forecast: pd.Series, actual: pd.Series) -> float:
    return float(100 * ((forecast - actual) / actual).abs().mean())


def _population(folder: Path) -> pd.Series:
    """Census 2021 residents aged 0-24 by council (DfE code)."""
    lsoas = pd.read_csv(folder / "lsoa_population.csv.gz", dtype={"la_code": str})
    return lsoas.groupby("la_code")[["age_0_15", "age_16_24"]].sum().sum(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open-data", type=Path, default=SHARED,
                        help="the open-data pack with ehcp_la_placement.csv (default ../shared/data/open)")
    parser.add_argument("--horizon", type=int, default=3)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    settings = Settings(horizon=args.horizon, draws=args.draws)
    with tempfile.TemporaryDirectory() as folder:
        for measure, title in (("plans", "All EHC plans"),
                               ("specialist", "Pupils in special schools, resourced provision and SEN units")):
            series = dfe.council_series(args.open_data, measure=measure)
            path = _history(series, Path(folder), f"{measure}.csv", region=True)
            start = time.perf_counter()
            result = run_backtest(read_history(path), settings=settings)
            seconds = time.perf_counter() - start
            print(f"== {title}: {series['area'].nunique()} council codes (with those reorganised away), "
                  f"January {series['year'].min() + 1}-{series['year'].max() + 1} ({seconds:.1f} s)")
            print(render_table(result))
            print(render_csv(result))
            national = run_backtest(read_history(_history(series, Path(folder), f"{measure}-national.csv",
                                                          region=False)), settings=settings)
            row = national.scores[(national.scores["method"] == "trend") & (national.scores["origin"] == "all")].iloc[0]
            print(f"trend pooled nationally only (no regions): MAPE {row['mape']:.2f}%, bias {row['bias']:.2f}%, "
                  f"coverage80 {row['coverage80']:.1f}%")
            errors = result.errors
            median = errors.assign(ape=100 * ((errors["p50"] - errors["actual"]) / errors["actual"]).abs()) \
                .groupby("method", sort=False)["ape"].median()
            print("median absolute percentage error, every origin: "
                  + ", ".join(f"{m} {v:.2f}%" for m, v in median.items()))
            if measure == "plans" and (args.open_data / "lsoa_population.csv.gz").is_file():
                print("\nCeilings (told part of the answer), MAPE % by origin:")
                print(_ceilings(series, _population(args.open_data), args.horizon)
                      .to_string(float_format=lambda v: f"{v:.2f}"))
            print()


if __name__ == "__main__":
    main()
