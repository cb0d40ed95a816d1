"""Demand by zone, need, year group and plan year: what ``placeplan solve`` plans for.

The projection itself (methods, pooling, Monte Carlo ranges) is :mod:`placeplan.projection`;
this module picks the plan years and the percentile the scenario plans for
(``demand.percentile``, P50 by default), and keeps for the plan's record the range around
it (P10 to P90 of all pupils each plan year) and the growth the projection gave.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .checks import horizon_problems
from .codes import phase_of
from .dataset import Dataset
from .demand_settings import split_by_setting
from .projection.council import history_rows, setting_mix
from .projection.project import Projection, project_dataset
from .projection.scap import years_needed
from .scenario.model import Scenario

log = logging.getLogger(__name__)


def plan_years(scenario: Scenario, base_year: int) -> list[int]:
    """Academic years of the plan, as the calendar years they start; an InputError when the
    plan would start before the year after the base year (the pipeline's own check,
    :func:`placeplan.checks.horizon_problems`, reports it before anything runs)."""
    horizon_problems(scenario.horizon, base_year).raise_if_errors("scenario horizon")
    first = scenario.horizon.first_plan_year(base_year)
    return list(range(first, first + scenario.horizon.years))


def projection(dataset: Dataset, scenario: Scenario, *, open_data=None) -> Projection:
    """The dataset's demand projected over the scenario's plan years, and as many more as
    the SCAP forecast needs. Always that many: the Monte Carlo draws depend on how far they
    reach, so ``placeplan project`` and ``placeplan solve`` must draw the same years to give
    the same pupils."""
    years = plan_years(scenario, dataset.meta.base_year)
    return project_dataset(dataset, scenario.demand, years, open_data=open_data, extra_years=years_needed(years))


@dataclass(frozen=True)
class Record:
    """What the plan's record (summary.json) says of its demand: ``range`` per plan year
    (year, p10, p50, p90 of all pupils, and ``planned``, the pupils planned for) and
    ``growth`` (the method, the annual growth of projected P50 pupils over the projection,
    and the projection's own words on where its growth comes from)."""

    range: list[dict]
    growth: dict


@dataclass(frozen=True)
class Planned:
    """Demand to plan for, and the pupils of the year before the plan (already placed
    when it starts): zone_id, need, ncy, phase, year, setting, stepdown, pupils; and the
    record of the projection they come from."""

    demand: pd.DataFrame
    before: pd.DataFrame
    record: Record


#: Words the projection's notes start with when they say where its growth comes from.
GROWTH_NOTES = ("growth:", "prevalence:", "cohort:")


def demand_record(projected: Projection, demand: pd.DataFrame, years: list[int]) -> Record:
    """The range of all pupils each plan year (the council's P10, P50 and P90 of every
    need and phase together: exact percentiles of the draws, so P50 need not equal the
    pupils planned for, which add up each need and phase's own percentile) and the
    projection's growth, from the projection the plan was made from."""
    council = projected.council
    every = council[(council["need"] == "ALL") & (council["phase"] == "all")].set_index("year")
    planned = demand.groupby("year")["pupils"].sum()
    rows = [
        {
            "year": f"{y}/{(y + 1) % 100:02d}",
            "p10": round(float(every.at[y, "p10"]), 1),
            "p50": round(float(every.at[y, "p50"]), 1),
            "p90": round(float(every.at[y, "p90"]), 1),
            "planned": round(float(planned.get(y, 0.0)), 1),
        }
        for y in years
        if y in every.index
    ]
    return Record(range=rows, growth=_growth(projected, every, years[-1]))


def _growth(projected: Projection, every: pd.DataFrame, last: int) -> dict:
    """The annual growth of projected P50 pupils from the base year to the last plan year:
    what every method's own settings come to (a trend's pooled rate with each need's
    difference, a cohort's join and leave rates, a growth scenario's rates by need)."""
    base, final = projected.base_year, float(every.at[last, "p50"]) if last in every.index else np.nan
    start = float(every.at[base, "p50"]) if base in every.index else np.nan
    rate = (final / start) ** (1.0 / (last - base)) - 1.0 if start > 0 and final > 0 and last > base else None
    return {
        "method": projected.method,
        "annual_rate": None if rate is None else round(rate, 4),
        "basis": f"projected P50 of all pupils, {base}/{(base + 1) % 100:02d} to {last}/{(last + 1) % 100:02d}",
        "percentile": projected.percentile,
        "notes": [n for n in projected.notes if n.startswith(GROWTH_NOTES)],
    }


def planned_demand(dataset: Dataset, scenario: Scenario) -> Planned:
    """The scenario's percentile of projected demand by the setting pupils need
    (:mod:`placeplan.demand_settings`), for the plan's years and the year before them: the
    base year's own pupils, or that year projected when the plan starts later; with the
    record of the projection (its range and growth) for the plan's summary."""
    return DemandFutures.of(dataset, scenario).planned()


@dataclass(frozen=True)
class DemandFutures:
    """A dataset's projected demand, ready to give the pupils to plan for at the
    scenario's percentile or in any one of the projection's Monte Carlo draws (a sweep
    plans for many of them; the projection and the settings' mix are worked out once)."""

    dataset: Dataset
    scenario: Scenario
    projected: Projection
    years: list[int]
    mix: dict[str, float]
    mix_notes: tuple[str, ...]

    @classmethod
    def of(cls, dataset: Dataset, scenario: Scenario) -> DemandFutures:
        base_year = dataset.meta.base_year
        years = plan_years(scenario, base_year)
        prior = years[0] - 1
        projected_years = years if prior == base_year else [prior, *years]
        # the plan years' draws are the same however many years before them are projected
        projected = project_dataset(dataset, scenario.demand, projected_years, extra_years=years_needed(years))
        notes: list[str] = []
        mix = (
            setting_mix(
                projected.codes, None, notes, own=history_rows(dataset, ("setting",)), pool=scenario.demand.pool
            )
            if _moves_mix(scenario)
            else {}
        )
        return cls(dataset, scenario, projected, years, mix, tuple(notes))

    @property
    def draws(self) -> int:
        return self.projected.draws

    def planned(self, draw: int | None = None) -> Planned:
        """The pupils to plan for: the scenario's percentile, or Monte Carlo draw ``draw``."""
        dataset, years = self.dataset, self.years
        base_year = dataset.meta.base_year
        prior = years[0] - 1
        table = self.projected.planned() if draw is None else self.projected.draw(draw)
        if prior == base_year:
            base = dataset["demand"]
            first = base.assign(
                zone_id=base["zone_id"].astype(str),
                ncy=base["ncy"].astype(int),
                phase=base["ncy"].astype(int).map(phase_of),
                year=base_year,
            )
            table = pd.concat(
                [
                    first.groupby(["zone_id", "need", "ncy", "phase", "year"], as_index=False)["pupils"]
                    .sum()
                    .astype({"pupils": float}),
                    table,
                ],
                ignore_index=True,
            )
        both = split_by_setting(
            table, dataset["demand"], self.scenario.settings, years, mix=self.mix, base_year=base_year
        )
        demand, before = both[both["year"] >= years[0]], both[both["year"] == prior]
        if draw is None:
            totals = demand.groupby("year")["pupils"].sum()
            log.info(
                "demand (%s, P%d): %s",
                self.projected.method,
                self.projected.percentile,
                ", ".join(f"{y}/{(y + 1) % 100:02d} {v:,.0f}" for y, v in totals.items()),
            )
        record = demand_record(self.projected, demand, years)
        record.growth["notes"].extend(self.mix_notes)
        return Planned(demand.reset_index(drop=True), before.reset_index(drop=True), record)


def _moves_mix(scenario: Scenario) -> bool:
    """The settings' mix follows their growth (the dataset's history by setting, the DfE's
    series or both) unless the scenario gives its own growth rates."""
    return scenario.demand.method != "growth"


def project(dataset: Dataset, scenario: Scenario) -> pd.DataFrame:
    """Demand to plan for: zone_id, need, ncy, phase, year, setting, stepdown, pupils (the
    scenario's percentile, by the setting pupils need: :mod:`placeplan.demand_settings`)."""
    return planned_demand(dataset, scenario).demand
