"""How well the demand projection has done on past data: the backtest on the DfE's
EHC-plan totals for every council, January 2019 to January 2025.

For each origin the methods are fitted on the years up to it and forecast ``--horizon``
years on; the script prints, for the default method (trend with pooling) and the
baselines, the MAPE, bias and the coverage of the P10-P90 range (one row per origin and
one pooling every origin), exactly as ``placeplan backtest --format csv`` does on the same
file. Every file it writes gives each council's region and its residents aged 0-24
(Census 2021, a year or two after the 2019/20 and 2020/21 origins), so the default fits
growth on pupils per child as ``placeplan project`` does. Then:

* the same on pupils in specialist settings (special schools, resourced provision and SEN
  units), the count ``placeplan project`` forecasts;
* trend pooled nationally only (the file without its region column), and trend without
  pupils per child (without its children column);
* ceilings that use the answer, to show how much of the error no method fitted on
  council totals can remove: the one growth rate for every council that scores best (a bound
  for any method that applies England's growth, however estimated, damped or accelerated),
  every council given its own region's actual growth, and a regression of the actual growth
  on the council's own past growth, last year's growth, its plans per child and its region,
  fitted to the outcomes it is scored on (least squares, and least absolute deviations).

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
from scipy.optimize import minimize_scalar

from placeplan.projection import dfe
from placeplan.projection.backtest import (
    BASELINES,
    HEADINGS,
    BacktestError,
    Settings,
    interval_score,
    render_csv,
    render_table,
    run_backtest,
)
from placeplan.projection.history import read_history
from placeplan.projection.trend import least_absolute_deviations

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "open"


def _history(series: pd.DataFrame, folder: Path, name: str, *, region: bool, children: pd.Series | None = None) -> Path:
    """The series as a history file, with its regions and each council's residents aged
    0-24 when given."""
    path = folder / name
    columns = ["area", *(["setting"] if "setting" in series else []), "year", "pupils", *(["region"] if region else [])]
    table = series[columns]
    if children is not None:
        table = table.assign(children=table["area"].map(children).round())
    table.to_csv(path, index=False)
    return path


def _origins(wide: pd.DataFrame, horizon: int) -> list[int]:
    first = wide.columns.min()
    return [y for y in wide.columns if y - 1 >= first and y + horizon in wide.columns]


def _ceilings(series: pd.DataFrame, population: pd.Series, horizon: int) -> pd.DataFrame:
    """MAPE of forecasts that are told part of the answer (see the module docstring)."""
    wide = series.pivot_table(index="area", columns="year", values="pupils")
    region = series.drop_duplicates("area").set_index("area")["region"]
    first = wide.columns.min()
    rows = []
    for origin in _origins(wide, horizon):
        window = wide[[y for y in wide.columns if y <= origin] + [origin + horizon]].dropna()
        window = window[(window > 0).all(axis=1)]
        logs = np.log(window)
        actual = window[origin + horizon]
        best = minimize_scalar(
            lambda g, start=window[origin], actual=actual: _mape(start * np.exp(g), actual),
            bounds=(-1, 1),
            method="bounded",
        ).x
        rows.append(("best single growth for every council", origin, _mape(window[origin] * np.exp(best), actual)))
        totals = window.groupby(region.reindex(window.index)).sum()
        region_growth = np.log(totals[origin + horizon] / totals[origin])
        oracle = window[origin] * np.exp(region.reindex(window.index).map(region_growth))
        rows.append(("region's actual growth", origin, _mape(oracle, actual)))
        known = window.index.intersection(population.index)
        logs = logs.loc[known]
        x = pd.DataFrame(
            {
                "own": (logs[origin] - logs[first]) / (origin - first),
                "last": logs[origin] - logs[origin - 1],
                "per_child": np.log(window.loc[known, origin] / population[known]),
            }
        )
        dummies = pd.get_dummies(region.reindex(known)).astype(float)
        design = np.column_stack([dummies.to_numpy(), x.to_numpy()])
        target = (logs[origin + horizon] - logs[origin]).to_numpy()
        for name, coef in (
            ("regression fitted to the outcomes", np.linalg.lstsq(design, target, rcond=None)[0]),
            ("LAD regression fitted to the outcomes", least_absolute_deviations(design, target)),
        ):
            fitted = window.loc[known, origin] * np.exp(design @ coef)
            rows.append((name, origin, _mape(fitted, actual[known])))
    table = pd.DataFrame(rows, columns=["ceiling", "origin", "mape"])
    return table.pivot(index="ceiling", columns="origin", values="mape").loc[list(dict.fromkeys(table["ceiling"]))]


def _mape(forecast: pd.Series, actual: pd.Series) -> float:
    return float(100 * ((forecast - actual) / actual).abs().mean())


def _row(result, method: str) -> pd.Series:
    scores = result.scores
    return scores[(scores["method"] == method) & (scores["origin"] == "all")].iloc[0]


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def _dfe_totals(folder: Path, work: Path, settings: Settings, children: pd.Series) -> None:
    """Table 1: the DfE totals, every council, every origin (and the specialist count)."""
    for measure, title in (
        ("plans", "All EHC plans"),
        ("specialist", "Pupils in special schools, resourced provision and SEN units"),
    ):
        series = dfe.council_series(folder, measure=measure)
        path = _history(series, work, f"{measure}.csv", region=True, children=children)
        start = time.perf_counter()
        result = run_backtest(read_history(path), settings=settings)
        seconds = time.perf_counter() - start
        print(
            f"== 1. {title}: {series['area'].nunique()} council codes (with those reorganised away), "
            f"January {series['year'].min() + 1}-{series['year'].max() + 1} ({seconds:.1f} s)"
        )
        print(render_table(result))
        print(render_csv(result))
        trend = _row(result, "trend")
        if measure == "plans":
            print(
                f"target: default MAPE at most 8.0%: {trend['mape']:.2f}% ({_verdict(trend['mape'] <= 8.0)}); "
                f"80% coverage 78-82%: {trend['coverage80']:.1f}% ({_verdict(78 <= trend['coverage80'] <= 82)})"
            )
        for label, variant in (
            ("pooled nationally only (no regions)", {"region": False, "children": children}),
            ("without pupils per child (no children column)", {"region": True}),
        ):
            row = _row(
                run_backtest(
                    read_history(_history(series, work, f"{measure}-variant.csv", **variant)), settings=settings
                ),
                "trend",
            )
            print(
                f"trend {label}: MAPE {row['mape']:.2f}%, bias {row['bias']:.2f}%, "
                f"coverage80 {row['coverage80']:.1f}%, interval score {row['interval_score']:.1f}%"
            )
        errors = result.errors
        median = (
            errors.assign(ape=100 * ((errors["p50"] - errors["actual"]) / errors["actual"]).abs())
            .groupby("method", sort=False)["ape"]
            .median()
        )
        print(
            "median absolute percentage error, every origin: " + ", ".join(f"{m} {v:.2f}%" for m, v in median.items())
        )
        if measure == "plans":
            print("\nCeilings (told part of the answer), MAPE % by origin:")
            print(_ceilings(series, children, settings.horizon).to_string(float_format=lambda v: f"{v:.2f}"))
        print()


def _by_setting(folder: Path, work: Path, settings: Settings, children: pd.Series) -> None:
    """Table 2: each setting's DfE series, the same protocol, each setting its own pool."""
    series = dfe.setting_series(folder)
    path = _history(series, work, "settings.csv", region=True, children=children)
    result = run_backtest(read_history(path), settings=settings)
    print(
        f"== 2. By setting: the DfE placement series of every council, January {series['year'].min() + 1}-"
        f"{series['year'].max() + 1}, {settings.horizon} years ahead, every origin"
    )
    table = result.by("setting")
    print(table.rename(columns=HEADINGS).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    scores = table.set_index(["method", "setting"])
    for setting in ("special", "resourced"):
        trend, pooled = scores.loc[("trend", setting)], scores.loc[("pooled", setting)]
        print(
            f"target, {setting}: default MAPE {trend['mape']:.2f}% against pooled growth's {pooled['mape']:.2f}% "
            f"({_verdict(trend['mape'] <= pooled['mape'])}); coverage80 {trend['coverage80']:.1f}%"
        )
    print()


def _irregular_histories(folder: Path, work: Path, settings: Settings, subsets: int, children: pd.Series) -> None:
    """Table 3: histories with years two apart: every other January of the DfE series, with
    and without regions, 15 councils at a time (no regions: areas outside any pool), and
    each council alone; two years ahead."""
    rng = np.random.default_rng(2011)
    horizon = Settings(horizon=2, draws=settings.draws, seed=settings.seed)
    rows = []
    for measure in ("plans", "specialist", "special", "resourced"):
        series = dfe.council_series(folder, measure=measure)
        for parity, januaries in ((0, "Jan 2019, 2021, 2023, 2025"), (1, "Jan 2020, 2022, 2024")):
            every_other = series[series["year"] % 2 == parity]
            cases = [
                ("every council, regions", [every_other], True),
                ("every council, no regions", [every_other], False),
            ]
            areas = sorted(every_other["area"].unique())
            picks = [rng.choice(areas, size=15, replace=False) for _ in range(subsets)]
            cases.append(
                (
                    f"15 councils x {subsets}, no regions",
                    [every_other[every_other["area"].isin(p)] for p in picks],
                    False,
                )
            )
            cases.append(("each council alone", [rows_ for _, rows_ in every_other.groupby("area")], False))
            for label, parts, region in cases:
                results = []
                for i, part in enumerate(parts):
                    try:
                        results.append(
                            run_backtest(
                                read_history(_history(part, work, f"irr-{i}.csv", region=region, children=children)),
                                settings=horizon,
                            )
                        )
                    except BacktestError:
                        continue
                rows.append(_irregular_row(measure, januaries, label, results))
    table = pd.DataFrame(rows)
    print(
        "== 3. Irregular histories: January counts two years apart, 2 years ahead, every origin "
        "(MAPE, coverage80 and interval score of the default over every forecast; 'worst gap' is the "
        "largest of any one file)"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    gap_ok = bool((table["worst gap"] <= 1.0).all())
    coverage_ok = bool((table["coverage80"] >= 50).all())
    print(
        f"target: default within 1 point of the best baseline on every file: worst {table['worst gap'].max():.2f} "
        f"({_verdict(gap_ok)}); 80% coverage at least 50%: lowest {table['coverage80'].min():.1f}% "
        f"({_verdict(coverage_ok)})"
    )
    print()


def _irregular_row(measure: str, januaries: str, label: str, results: list) -> dict:
    errors = pd.concat([r.errors for r in results], ignore_index=True)
    relative = (errors["p50"] - errors["actual"]) / errors["actual"]
    errors = errors.assign(
        ape=100 * relative.abs(),
        inside=100 * ((errors["actual"] >= errors["p10"]) & (errors["actual"] <= errors["p90"])),
        score=100 * interval_score(errors["p10"], errors["p90"], errors["actual"]) / errors["actual"],
    )
    mape = errors.groupby("method")["ape"].mean()
    best = mape[list(BASELINES)].idxmin()
    gaps = []
    for r in results:
        by = r.errors.assign(ape=(r.errors["p50"] - r.errors["actual"]).abs() / r.errors["actual"])
        one = 100 * by.groupby("method")["ape"].mean()
        gaps.append(one["trend"] - one[list(BASELINES)].min())
    trend = errors[errors["method"] == "trend"]
    return {
        "series": measure,
        "years": januaries,
        "history": label,
        "files": len(results),
        "forecasts": len(trend),
        "default MAPE": mape["trend"],
        "best baseline": f"{best} {mape[best]:.2f}",
        "gap": mape["trend"] - mape[best],
        "worst gap": max(gaps),
        "coverage80": trend["inside"].mean(),
        "interval score": trend["score"].mean(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--open-data",
        type=Path,
        default=SHARED,
        help="the open-data pack with ehcp_la_placement.csv (default ../shared/data/open)",
    )
    parser.add_argument("--horizon", type=int, default=3)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--subsets", type=int, default=10, help="random files of 15 councils in table 3 (default 10)")
    args = parser.parse_args()
    settings = Settings(horizon=args.horizon, draws=args.draws)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        children = dfe.children(args.open_data)
        _dfe_totals(args.open_data, work, settings, children)
        _by_setting(args.open_data, work, settings, children)
        _irregular_histories(args.open_data, work, settings, args.subsets, children)


if __name__ == "__main__":
    main()
