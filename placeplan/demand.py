"""Demand by zone, need, year group and plan year.

Until the projection methods land (cohort ageing, prevalence, pooled trend), base-year
pupils are carried forward by the scenario's annual growth rate for their need:
``pupils(year) = base pupils x (1 + growth[need]) ** (year - base_year)``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .codes import phase_of
from .scenario.model import Scenario

log = logging.getLogger(__name__)


def plan_years(scenario: Scenario, base_year: int) -> list[int]:
    """Academic years of the plan, as the calendar years they start."""
    first = scenario.horizon.first_year or base_year + 1
    return list(range(first, first + scenario.horizon.years))


def grow(demand: pd.DataFrame, *, growth: dict[str, float], base_year: int,
         years: list[int]) -> pd.DataFrame:
    """Base-year demand grown by need-specific annual rates, one block per plan year."""
    default = growth.get("default", 0.0)
    rate = demand["need"].map(lambda need: growth.get(need, default)).to_numpy(dtype=float)
    base = demand["pupils"].to_numpy(dtype=float)
    blocks = []
    for year in years:
        block = demand[["zone_id", "need", "ncy"]].copy()
        block["year"] = year
        block["pupils"] = base * np.power(1.0 + rate, year - base_year)
        blocks.append(block)
    out = pd.concat(blocks, ignore_index=True)
    out["phase"] = out["ncy"].map(phase_of)
    return out[["zone_id", "need", "ncy", "phase", "year", "pupils"]]


def project(demand: pd.DataFrame, scenario: Scenario, base_year: int) -> pd.DataFrame:
    """Demand for every plan year by the scenario's method."""
    years = plan_years(scenario, base_year)
    projected = grow(demand, growth=scenario.demand.growth, base_year=base_year, years=years)
    totals = projected.groupby("year")["pupils"].sum()
    log.info("demand: %s", ", ".join(f"{y}/{(y + 1) % 100:02d} {v:,.0f}" for y, v in totals.items()))
    return projected
