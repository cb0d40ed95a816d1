"""Growth fitted on pupils per child: councils with more pupils per child than the typical
council have grown more slowly, and the pooled trend measures by how much from the years
it is given (:func:`placeplan.projection.trend.fit_pool` with ``children``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from placeplan.projection.backtest import Settings, run_backtest
from placeplan.projection.history import read_history
from placeplan.projection.trend import MIN_LEVEL_AREAS, area_growth, area_growths, fit_pool


def _converging(slope: float, *, areas: int = 40, seed: int = 5, reverse_after: int | None = None):
    """Areas whose annual log growth is 9% plus ``slope`` times their log pupils per child
    above the mean (a little noise on top); the sign flips after ``reverse_after``."""
    rng = np.random.default_rng(seed)
    names = [f"A{a}" for a in range(areas)]
    children = pd.Series(rng.uniform(20_000, 80_000, areas), index=names)
    wide = pd.DataFrame(index=names, columns=range(2018, 2025), dtype=float)
    wide[2018] = children * rng.uniform(0.01, 0.04, areas)
    for year in range(2019, 2025):
        level = np.log(wide[year - 1] / children)
        sign = -1 if reverse_after is not None and year > reverse_after else 1
        wide[year] = wide[year - 1] * np.exp(0.09 + sign * slope * (level - level.mean()) + rng.normal(0, 0.002, areas))
    return wide, children


def test_the_slope_is_recovered_and_moves_each_area_by_its_pupils_per_child():
    wide, children = _converging(-0.05)
    fit = fit_pool(wide, children=children)
    assert fit.level_slope == pytest.approx(-0.05, abs=0.005)
    models = area_growths(fit, wide, children=children)
    level = np.log(wide[2024] / children)
    # The area furthest above the typical grows slowest, the one furthest below fastest.
    assert models["growth"].idxmin() == level.idxmax()
    assert models["growth"].idxmax() == level.idxmin()
    # Next year's growth, as the simulation would draw it (less its noise), for every area.
    truth = 0.09 - 0.05 * (level - level.mean())
    assert (models["growth"] - truth).abs().max() < 0.004


def test_only_the_years_given_count_and_a_diverging_slope_is_not_extrapolated():
    """Fitted on the years up to 2021 the slope is the one before the reversal; a pool whose
    areas grow apart (a positive slope) is not pushed further apart."""
    wide, children = _converging(-0.05, reverse_after=2021)
    assert fit_pool(wide.loc[:, :2021], children=children).level_slope == pytest.approx(-0.05, abs=0.005)
    apart, children = _converging(0.05)
    assert fit_pool(apart, children=children).level_slope == 0.0


def test_too_few_areas_or_no_children_leave_the_trend_as_it_was():
    wide, children = _converging(-0.05, areas=MIN_LEVEL_AREAS - 1)
    few = fit_pool(wide, children=children)
    assert few.level_slope == 0.0
    assert few.growth == fit_pool(wide).growth
    one = area_growth(few, wide.iloc[0], children=float(children.iloc[0]))
    assert one.growth == area_growth(fit_pool(wide), wide.iloc[0]).growth


def test_the_backtest_reads_a_children_column_and_uses_it(tmp_path: Path):
    wide, children = _converging(-0.05)
    long = wide.stack().rename("pupils").rename_axis(["area", "year"]).reset_index()
    plain = tmp_path / "plain.csv"
    long.to_csv(plain, index=False)
    with_children = tmp_path / "children.csv"
    long.assign(children=long["area"].map(children).round()).to_csv(with_children, index=False)
    settings = Settings(horizon=2, draws=100)
    scores = {
        name: run_backtest(read_history(path), settings=settings).scores.set_index(["method", "origin"])
        for name, path in (("plain", plain), ("children", with_children))
    }
    assert read_history(with_children).has_children and not read_history(plain).has_children
    assert (
        "growth also fitted on pupils per child"
        in run_backtest(read_history(with_children), settings=settings).evidence
    )
    trend = {name: s.loc[("trend", "all"), "mape"] for name, s in scores.items()}
    assert trend["children"] < 0.5 * trend["plain"]
    # The baselines do not use the population.
    assert scores["children"].loc[("pooled", "all"), "mape"] == scores["plain"].loc[("pooled", "all"), "mape"]


def test_an_area_with_two_child_populations_is_refused(tmp_path: Path):
    path = tmp_path / "history.csv"
    pd.DataFrame(
        {
            "area": ["a", "a", "b", "b"],
            "year": [2020, 2021, 2020, 2021],
            "pupils": [10, 11, 20, 22],
            "children": [1000, 1200, 3000, 3000],
        }
    ).to_csv(path, index=False)
    result = run_cli(["backtest", "--history", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        "history.csv row 3, column children: '1200' gives area a a second child population (1000 in row 2)"
        in result.output
    )
