"""The projection's cores: cohort ageing, the pooled trend, and the SCAP table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from placeplan.projection import cohort
from placeplan.projection.trend import AreaGrowth, area_growth, fit_pool, persistence

counts = arrays(np.float64, cohort.WIDTH, elements=st.floats(0, 500, allow_nan=False))
rates = arrays(np.float64, cohort.WIDTH, elements=st.floats(0, 3, allow_nan=False))


def _still(base_width: int = cohort.WIDTH) -> cohort.Ratios:
    stay = np.where(cohort.NCYS == cohort.NCYS[0], 0.0, 1.0)
    return cohort.Ratios(stay=stay, join=np.zeros(base_width), log_sd=np.zeros(base_width))


@settings(max_examples=60, deadline=None)
@given(base=counts, years=st.integers(1, 8))
def test_ageing_without_joiners_or_leavers_conserves_totals(base, years):
    base = base.copy()
    base[cohort.WIDTH - years :] = 0.0  # nobody reaches past NCY 20 within the horizon
    aged = cohort.age(base, _still(), years)
    assert np.allclose(aged.total.sum(axis=-1), base.sum())
    assert np.allclose(aged.total[-1][years:], base[: cohort.WIDTH - years])
    assert np.allclose(aged.joined, 0.0)


@settings(max_examples=60, deadline=None)
@given(
    base=counts, stay=arrays(np.float64, cohort.WIDTH, elements=st.floats(0, 1)), join=rates, years=st.integers(1, 6)
)
def test_ageing_never_goes_negative_and_adds_up(base, stay, join, years):
    ratios = cohort.Ratios(stay=stay, join=join, log_sd=np.zeros(cohort.WIDTH))
    aged = cohort.age(base, ratios, years)
    assert (aged.total >= 0).all() and (aged.original >= 0).all()
    assert (aged.original <= aged.total + 1e-9).all()
    # Each year: next total = stayers from the group below + joiners.
    for t in range(years):
        expected = stay * cohort.below(aged.total[t]) + join * cohort.join_base(aged.total[t])
        assert np.allclose(aged.total[t + 1], expected)


def test_rates_measured_from_counts_recover_the_rates_that_made_them():
    stay = np.where(cohort.NCYS == -1, 0.0, 0.95)
    stay[cohort.NCYS == 0] = 1.0
    join = np.where(cohort.INTAKE, 0.6, 0.12)
    made = cohort.Ratios(stay=stay, join=join, log_sd=np.zeros(cohort.WIDTH))
    base = np.full(cohort.WIDTH, 100.0)
    history = cohort.age(base, made, 4).total
    found = cohort.estimate(cohort.count_pairs(history))
    net = stay + join
    ordinary = ~cohort.INTAKE
    assert np.allclose((found.stay + found.join)[ordinary], net[ordinary])
    assert np.allclose(found.join[cohort.NCYS == 0], 0.6)
    assert np.allclose(found.join[cohort.NCYS == -1], 0.6)


def test_pooled_rates_lean_toward_the_prior_for_small_groups():
    prior = cohort.Ratios(stay=np.ones(cohort.WIDTH), join=np.full(cohort.WIDTH, 0.5), log_sd=np.zeros(cohort.WIDTH))
    few = cohort.Counts(
        arrivals=np.full(cohort.WIDTH, 1.0), stay_base=np.full(cohort.WIDTH, 1.0), join_base=np.full(cohort.WIDTH, 1.0)
    )
    pooled = cohort.estimate(few, prior=prior, prior_pupils=20)
    ncy5 = list(cohort.NCYS).index(5)
    # (1 + 20 x 1.5) / (1 + 20) = 1.476: mostly the prior's 1.5, little of the council's 1.
    assert pooled.stay[ncy5] + pooled.join[ncy5] == pytest.approx(31 / 21)


def test_count_pairs_skips_a_missing_january():
    years = np.vstack(
        [
            np.full(cohort.WIDTH, 10.0),
            np.full(cohort.WIDTH, np.nan),
            np.full(cohort.WIDTH, 10.0),
            np.full(cohort.WIDTH, 20.0),
        ]
    )
    found = cohort.count_pairs(years)
    assert found.arrivals.sum() == pytest.approx(20.0 * cohort.WIDTH)


def _pool(rates: dict[str, float], years: range = range(2015, 2024), noise: float = 0.0, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = {}
    for area, rate in rates.items():
        steps = rate + rng.normal(0, noise, len(years) - 1)
        rows[area] = 1000 * np.exp(np.concatenate([[0.0], np.cumsum(steps)]))
    return pd.DataFrame(rows, index=list(years)).T


def test_pooled_trend_recovers_a_common_growth():
    wide = _pool({f"A{i}": np.log(1.05) for i in range(8)}, noise=0.002)
    fit = fit_pool(wide)
    assert np.expm1(fit.growth) == pytest.approx(0.05, abs=0.002)
    model = area_growth(fit, wide.loc["A0"])
    assert np.expm1(model.growth) == pytest.approx(0.05, abs=0.003)


def test_growth_that_does_not_persist_earns_no_weight():
    # Areas' deviations flip sign between the halves of the years: persistence is 0.
    years = 8
    flip = np.array([[0.05] * 4 + [-0.05] * 4, [-0.05] * 4 + [0.05] * 4] * 3)
    deviation = pd.DataFrame(flip, columns=range(years))
    assert persistence(deviation) == 0.0
    assert persistence(pd.DataFrame(np.array([[0.05] * 8, [-0.05] * 8, [0.0] * 8]), columns=range(8))) == 1.0


def test_monte_carlo_paths_match_the_variance_formula():
    model = AreaGrowth(growth=0.05, persistent_variance=0.002, annual_variance=0.004)
    paths = model.log_paths(years=3, draws=40_000, rng=np.random.default_rng(1))
    assert paths[:, -1].mean() == pytest.approx(0.15, abs=0.003)
    assert paths[:, -1].var() == pytest.approx(model.variance(3), rel=0.03)
