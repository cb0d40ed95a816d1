"""Demand by zone, need, year group and plan year: what ``placeplan solve`` plans for.

The projection itself (methods, pooling, Monte Carlo ranges) is :mod:`placeplan.projection`;
this module picks the plan years and the percentile the scenario plans for
(``demand.percentile``, P50 by default).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from .checks import horizon_problems
from .codes import phase_of
from .dataset import Dataset
from .demand_settings import split_by_setting
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
class Planned:
    """Demand to plan for, and the pupils of the year before the plan (already placed
    when it starts): zone_id, need, ncy, phase, year, setting, stepdown, pupils."""

    demand: pd.DataFrame
    before: pd.DataFrame


def planned_demand(dataset: Dataset, scenario: Scenario) -> Planned:
    """The scenario's percentile of projected demand by the setting pupils need
    (:mod:`placeplan.demand_settings`), for the plan's years and the year before them: the
    base year's own pupils, or that year projected when the plan starts later."""
    base_year = dataset.meta.base_year
    years = plan_years(scenario, base_year)
    prior = years[0] - 1
    projected_years = years if prior == base_year else [prior, *years]
    # the plan years' draws are the same however many years before them are projected
    projected = project_dataset(dataset, scenario.demand, projected_years, extra_years=years_needed(years))
    table = projected.planned()
    if prior == base_year:
        base = dataset["demand"]
        first = base.assign(zone_id=base["zone_id"].astype(str), ncy=base["ncy"].astype(int),
                            phase=base["ncy"].astype(int).map(phase_of), year=base_year)
        table = pd.concat([first.groupby(["zone_id", "need", "ncy", "phase", "year"], as_index=False)["pupils"]
                           .sum().astype({"pupils": float}), table], ignore_index=True)
    both = split_by_setting(table, dataset["demand"], scenario.settings, years)
    demand, before = both[both["year"] >= years[0]], both[both["year"] == prior]
    totals = demand.groupby("year")["pupils"].sum()
    log.info("demand (%s, P%d): %s", projected.method, projected.percentile,
             ", ".join(f"{y}/{(y + 1) % 100:02d} {v:,.0f}" for y, v in totals.items()))
    return Planned(demand.reset_index(drop=True), before.reset_index(drop=True))


def project(dataset: Dataset, scenario: Scenario) -> pd.DataFrame:
    """Demand to plan for: zone_id, need, ncy, phase, year, setting, stepdown, pupils (the
    scenario's percentile, by the setting pupils need: :mod:`placeplan.demand_settings`)."""
    return planned_demand(dataset, scenario).demand
