"""The builder's defaults (``defaults.toml``: costs with their sources, sizes, designations)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ..scenario.model import PhaseMinutes, Travel


@dataclass(frozen=True)
class Defaults:
    annual_cost_per_place: dict[str, float]
    capital_per_place: dict[str, float]
    capital_fixed: dict[str, float]
    annual_fixed_cost: dict[str, float]
    expansion: dict[str, float]
    sizes: dict[str, dict[str, float]]
    lead_years: dict[str, int]
    hosted_needs: tuple[str, ...]
    needs_by_name: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    reach_km: float
    decay_km: float
    min_shared_places: int


def default_reach_km() -> float:
    """Straight-line reach of the longest default journey, estimated as placeplan.travel
    estimates journeys (door-to-door time, then road km at the speed)."""
    from ..travel import reach_km

    travel = Travel()
    longest = max(PhaseMinutes().model_dump().values())
    return float(reach_km(longest, circuity=travel.circuity, speed_kmh=travel.speed_kmh,
                          terminal_minutes=travel.terminal_minutes))


@cache
def defaults() -> Defaults:
    raw: dict[str, Any] = tomllib.loads(
        resources.files(__package__).joinpath("defaults.toml").read_text(encoding="utf-8"))
    designation = raw["designation"]
    return Defaults(
        annual_cost_per_place=raw["annual_cost_per_place"],
        capital_per_place=raw["capital_per_place"], capital_fixed=raw["capital_fixed"],
        annual_fixed_cost=raw["annual_fixed_cost"], expansion=raw["expansion"],
        sizes=raw["sizes"], lead_years=raw["lead_years"],
        hosted_needs=tuple(designation["hosted"]),
        needs_by_name=tuple((tuple(r["words"]), tuple(r["needs"])) for r in designation["by_name"]),
        reach_km=default_reach_km(), decay_km=float(raw["reach"]["decay_km"]),
        min_shared_places=int(raw["reach"]["min_shared_places"]),
    )
