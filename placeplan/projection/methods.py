"""The methods' council-level paths: Monte Carlo draws of pupils by need, NCY and years
ahead, split into base-year pupils moved on (``original``) and joiners.

* trend: base-year pupils times the council's growth paths (:mod:`.council`), with need
  adjustments where the history is by need; the year-group mix stays as in the base year;
* cohort: :mod:`.cohort` ageing with rates estimated (with sampling draws) or the
  scenario's own, times the council's level noise;
* prevalence: pupils per child of their age in their zone times the population each
  year, with the rate's trend and the level noise;
* growth: the scenario's fixed rates, one draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import PHASES, phase_of
from ..dataset import Dataset
from ..errors import OpenDataError, ProjectionError
from ..scenario.model import Demand
from ..scenario.projection import rate_for
from . import cohort as cohorts
from . import dfe
from .council import history_totals
from .trend import AreaGrowth


@dataclass
class Paths:
    """Council counts by draw, need, NCY and years ahead (0 = base): originals and joiners."""

    original: np.ndarray  # draws x needs x NCY x (K + 1)
    joined: np.ndarray
    source_shift: bool  # True when originals move up a year group each year (cohort)
    zone_factor: pd.DataFrame | None = None  # zone, ncy, ahead, factor (prevalence)


def council_counts(base: pd.DataFrame, needs: list[str]) -> np.ndarray:
    """needs x NCY council counts."""
    table = base.pivot_table(index="need", columns="ncy", values="pupils", aggfunc="sum")
    return table.reindex(index=needs, columns=cohorts.NCYS).fillna(0.0).to_numpy(dtype=float)


def _level_paths(
    model: AreaGrowth, ahead: int, draws: int, rng: np.random.Generator, with_growth: bool, extra: float = 0.0
) -> np.ndarray:
    """draws x (K + 1) cumulative log multipliers, 0 in the base year."""
    paths = model.log_paths(years=ahead, draws=draws, rng=rng, with_growth=with_growth)
    paths = paths + extra * np.arange(1, ahead + 1)
    return np.concatenate([np.zeros((draws, 1)), paths], axis=1)


def trend_paths(
    counts: np.ndarray, model: AreaGrowth, adjust: np.ndarray, ahead: int, draws: int, rng: np.random.Generator
) -> Paths:
    level = _level_paths(model, ahead, draws, rng, with_growth=True)  # S x (K+1)
    steps = np.arange(ahead + 1)
    multiplier = np.exp(level[:, None, :] + adjust[None, :, None] * steps[None, None, :])  # S x N x (K+1)
    original = counts[None, :, :, None] * multiplier[:, :, None, :]
    return Paths(original=original, joined=np.zeros_like(original), source_shift=False)


def growth_paths(counts: np.ndarray, needs: list[str], rates: dict[str, float], ahead: int) -> Paths:
    default = rates.get("default", 0.0)
    rate = np.array([rates.get(n, default) for n in needs])
    multiplier = np.power(1.0 + rate[:, None], np.arange(ahead + 1)[None, :])  # N x (K+1)
    original = (counts[:, :, None] * multiplier[:, None, :])[None]
    return Paths(original=original, joined=np.zeros_like(original), source_shift=False)


def cohort_paths(
    counts: np.ndarray,
    ratios: cohorts.Ratios,
    model: AreaGrowth | None,
    ahead: int,
    draws: int,
    rng: np.random.Generator,
) -> Paths:
    """Ageing with drawn ratios, times the level model's noise (no draws when the rates
    are the scenario's own)."""
    if model is None:
        aged = cohorts.age(counts, ratios, ahead)  # (K+1) x N x NCY
        original, joined = aged.original[:, None], aged.joined[:, None]
        noise = np.zeros((1, ahead + 1))
    else:
        aged = cohorts.age(counts, cohorts.draw(ratios, draws=draws, rng=rng), ahead)  # (K+1) x S x N x NCY
        original, joined = aged.original, aged.joined
        noise = _level_paths(model, ahead, draws, rng, with_growth=False)
    scale = np.exp(noise).T[:, :, None, None]  # (K+1) x S x 1 x 1
    return Paths(
        original=np.moveaxis(original * scale, 0, -1), joined=np.moveaxis(joined * scale, 0, -1), source_shift=True
    )


def scenario_ratios(settings: Demand, needs: list[str]) -> cohorts.Ratios:
    """Stay and join by need and NCY from the scenario's cohort rates."""
    rates = settings.cohort
    stay = np.ones((len(needs), cohorts.WIDTH))
    join = np.zeros((len(needs), cohorts.WIDTH))
    for i, need in enumerate(needs):
        for j, ncy in enumerate(cohorts.NCYS):
            phase = phase_of(int(ncy))
            join[i, j] = rate_for(rates.join, need, phase, 0.0)
            if j == 0:
                stay[i, j] = 0.0
                continue
            below_phase = phase_of(int(ncy) - 1)
            stay[i, j] = 1.0 - rate_for(rates.cease, need, below_phase, 0.0)
            if ncy == PHASES["post16"][0]:
                stay[i, j] *= rates.stay_post16
            if ncy == PHASES["post19"][0]:
                stay[i, j] *= rates.stay_post19
    return cohorts.Ratios(stay=stay, join=join, log_sd=np.zeros_like(stay))


def estimated_ratios(
    dataset: Dataset, settings: Demand, needs: list[str], codes: tuple[str, ...], folder: Path | None, notes: list[str]
) -> cohorts.Ratios:
    """Ratios from the dataset's history by NCY, else the DfE's ages (the councils' pooled
    toward England's)."""
    source = settings.cohort.source
    k = settings.cohort.prior_pupils
    by_ncy = _history_by_ncy(dataset)
    if source in ("auto", "history") and by_ncy is not None:
        overall = by_ncy.groupby(["year", "ncy"])["pupils"].sum().unstack().reindex(columns=cohorts.NCYS)
        years = range(int(overall.index.min()), int(overall.index.max()) + 1)
        all_counts = cohorts.count_pairs(_filled(overall.reindex(years)).to_numpy(dtype=float))
        prior = _england_prior(folder)
        base_ratios = cohorts.estimate(all_counts, prior=prior, prior_pupils=k if prior is not None else 0.0)
        per_need = []
        for need in needs:
            rows = by_ncy[by_ncy["need"] == need]
            if rows.empty:
                per_need.append(base_ratios)
                continue
            table = rows.pivot_table(index="year", columns="ncy", values="pupils", aggfunc="sum")
            table = _filled(table.reindex(index=years, columns=cohorts.NCYS))
            per_need.append(
                cohorts.estimate(cohorts.count_pairs(table.to_numpy(dtype=float)), prior=base_ratios, prior_pupils=k)
            )
        notes.append(
            f"cohort: rates from the dataset's history by year group ({len(years)} Januaries)"
            + (", pooled toward England's" if prior is not None else "")
        )
        return cohorts.Ratios(*(np.stack([getattr(r, f) for r in per_need]) for f in ("stay", "join", "log_sd")))
    if source == "history":
        raise ProjectionError(
            "cohort.source = 'history' needs a history table with pupils by year group "
            "(ncy) in at least two consecutive Januaries; the dataset has none"
        )
    try:
        progress = dfe.progression(list(codes), folder)
    except OpenDataError as exc:
        raise ProjectionError(
            f"the cohort method needs a history by year group or the DfE's open data: {exc}"
        ) from None
    england = cohorts.estimate(cohorts.count_pairs(np.vstack([progress.england_before, progress.england_after])))
    if codes and progress.known:
        own = cohorts.count_pairs(np.vstack([progress.before, progress.after]))
        ratios = cohorts.estimate(own, prior=england, prior_pupils=k)
        notes.append(
            f"cohort: rates from the council's pupils in specialist settings by age, January 2024 "
            f"to January 2025 (DfE), pooled toward England's with a prior of {k:g} pupils"
        )
    else:
        ratios = england
        notes.append(
            "cohort: England's rates (January 2024 to January 2025, DfE): the council's own "
            "ages are not published or the dataset names no council"
        )
    shape = (len(needs), cohorts.WIDTH)
    return cohorts.Ratios(*(np.broadcast_to(getattr(ratios, f), shape).copy() for f in ("stay", "join", "log_sd")))


def _filled(table: pd.DataFrame) -> pd.DataFrame:
    """A January with any count: missing year groups are 0. A January with none stays missing."""
    seen = table.notna().any(axis=1)
    return table.where(~seen, table.fillna(0.0), axis=0)


def _history_by_ncy(dataset: Dataset) -> pd.DataFrame | None:
    if not dataset.has("history"):
        return None
    history = dataset["history"]
    rows = history[history["ncy"].notna()]
    if "setting" in rows and rows["setting"].notna().any():
        # counted once: the rows for all settings where there are any, else every setting's summed
        blank = rows["setting"].isna()
        rows = (
            rows[blank]
            if blank.any()
            else rows.assign(need=rows["need"].astype(object).fillna(""))
            .groupby(["year", "need", "ncy"], as_index=False)["pupils"]
            .sum()
        )
    rows = rows.copy()
    if rows["year"].nunique() < 2:
        return None
    rows["need"] = rows["need"].astype(object).where(rows["need"].notna(), "")
    rows["ncy"] = rows["ncy"].astype(int)
    rows["year"] = rows["year"].astype(int)
    return rows


def _england_prior(folder: Path | None) -> cohorts.Ratios | None:
    try:
        progress = dfe.progression([], folder)
    except OpenDataError:
        return None
    return cohorts.estimate(cohorts.count_pairs(np.vstack([progress.england_before, progress.england_after])))


def prevalence_paths(
    base: pd.DataFrame,
    *,
    needs: list[str],
    dataset: Dataset,
    settings: Demand,
    model: AreaGrowth,
    base_year: int,
    ahead: int,
    rng: np.random.Generator,
    notes: list[str],
) -> Paths:
    """Pupils per child of their age in their zone, times the zone's child population each
    year, with the rate's own trend and the level model's noise."""
    factor = _population_factor(base, dataset, base_year, ahead, notes)
    if settings.rate_trend is not None:
        rate_growth = float(np.log1p(settings.rate_trend))
        notes.append(f"prevalence: the rate changes {100 * settings.rate_trend:.1f}% a year (scenario)")
    else:
        rate_growth = model.growth - _population_growth(dataset, base_year, notes)
        notes.append(
            f"prevalence: the rate changes {100 * np.expm1(rate_growth):.1f}% a year (trend growth "
            "less the child population's growth over the history years)"
        )
    level = _level_paths(model, ahead, settings.draws, rng, with_growth=False, extra=rate_growth)
    scaled = base.merge(factor, on=["zone_id", "ncy"], how="left")
    scaled["factor"] = scaled["factor"].fillna(1.0)
    scaled["pupils"] = scaled["pupils"] * scaled["factor"]
    council = (
        scaled.pivot_table(index=["need", "ncy"], columns="ahead", values="pupils", aggfunc="sum")
        .reindex(columns=range(ahead + 1))
        .fillna(0.0)
    )
    table = np.zeros((len(needs), cohorts.WIDTH, ahead + 1))
    for (need, ncy), row in council.iterrows():
        table[needs.index(need), int(ncy) - cohorts.NCYS[0]] = row.to_numpy()
    original = table[None] * np.exp(level)[:, None, None, :]
    return Paths(original=original, joined=np.zeros_like(original), source_shift=False, zone_factor=factor)


def _population_factor(
    base: pd.DataFrame, dataset: Dataset, base_year: int, ahead: int, notes: list[str]
) -> pd.DataFrame:
    """zone_id, ncy, ahead, factor: the population of the year group's age in that zone
    each year over the base year's (1 where it is unknown)."""
    keys = base[["zone_id", "ncy"]].drop_duplicates()
    if not dataset.has("population"):
        notes.append("prevalence: no population table, so the child population is held at the base year")
        grid = keys.merge(pd.DataFrame({"ahead": range(ahead + 1)}), how="cross")
        return grid.assign(factor=1.0)
    population = dataset["population"].astype({"year": int, "age": int})
    population = population.groupby(["zone_id", "year", "age"], as_index=False)["count"].sum()
    rows = []
    for ahead_years in range(ahead + 1):
        year = base_year + ahead_years
        rows.append(_population_at(population, year).assign(ahead=ahead_years))
    table = pd.concat(rows, ignore_index=True)
    table["ncy"] = table["age"] - 4
    base_pop = table[table["ahead"] == 0][["zone_id", "ncy", "count"]].rename(columns={"count": "base"})
    table = table.merge(base_pop, on=["zone_id", "ncy"], how="left")
    table["factor"] = np.where(table["base"] > 0, table["count"] / table["base"].where(table["base"] > 0), 1.0)
    unknown = keys.merge(table[["zone_id", "ncy"]].drop_duplicates(), how="left", indicator=True)
    missing = int((unknown["_merge"] == "left_only").sum())
    if missing:
        notes.append(
            f"prevalence: {missing} zone and year-group cells have no population of their age; "
            "they are held at the base year"
        )
    return keys.merge(table[["zone_id", "ncy", "ahead", "factor"]], on=["zone_id", "ncy"], how="inner")


def _population_at(population: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each zone's population by age in ``year``: the latest year not after it, else the first."""
    years = sorted(population["year"].unique())
    earlier = [y for y in years if y <= year]
    chosen = earlier[-1] if earlier else years[0]
    return population[population["year"] == chosen][["zone_id", "age", "count"]]


def _population_growth(dataset: Dataset, base_year: int, notes: list[str]) -> float:
    """Annual log growth of the children (ages 0-24) over the history's years, 0 when the
    population table does not reach back that far."""
    history = history_totals(dataset)
    if not dataset.has("population") or not len(history):
        return 0.0
    population = dataset["population"]
    population = population[population["age"].astype(int) <= 24]
    totals = population.groupby(population["year"].astype(int))["count"].sum()
    first = int(history.index.min())
    if first not in totals.index or base_year not in totals.index or base_year <= first:
        notes.append(
            "prevalence: the population table does not cover the history's years, so the rate's "
            "trend is the trend growth"
        )
        return 0.0
    return float(np.log(totals[base_year] / totals[first]) / (base_year - first))
