"""Demand by zone, need, year group and plan year: what ``placeplan solve`` plans for.

The projection itself (methods, pooling, Monte Carlo ranges) is :mod:`placeplan.projection`;
this module picks the plan years and the percentile the scenario plans for
(``demand.percentile``, P50 by default).
"""

from __future__ import annotations

import logging

import pandas as pd

from .checks import horizon_problems
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
    first = scenario.horizon.first_year or base_year + 1
    return list(range(first, first + scenario.horizon.years))


def projection(dataset: Dataset, scenario: Scenario, *, open_data=None) -> Projection:
    """The dataset's demand projected over the scenario's plan years, and as many more as
    the SCAP forecast needs. Always that many: the Monte Carlo draws depend on how far they
    reach, so ``placeplan project`` and ``placeplan solve`` must draw the same years to give
    the same pupils."""
    years = plan_years(scenario, dataset.meta.base_year)
    return project_dataset(dataset, scenario.demand, years, open_data=open_data, extra_years=years_needed(years))


def project(dataset: Dataset, scenario: Scenario) -> pd.DataFrame:
    """Demand to plan for: zone_id, need, ncy, phase, year, setting, stepdown, pupils (the
    scenario's percentile, by the setting pupils need: :mod:`placeplan.demand_settings`)."""
    projected = projection(dataset, scenario)
    years = plan_years(scenario, dataset.meta.base_year)
    planned = split_by_setting(projected.planned(), dataset["demand"], scenario.settings, years)
    totals = planned.groupby("year")["pupils"].sum()
    log.info("demand (%s, P%d): %s", projected.method, projected.percentile,
             ", ".join(f"{y}/{(y + 1) % 100:02d} {v:,.0f}" for y, v in totals.items()))
    return planned
