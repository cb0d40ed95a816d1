"""The data builder's defaults (``builder.toml``: costs with their sources, sizes,
designations). Kept with the scenario, on the ground floor, because a scenario's cost
defaults are the builder's too: both read this one table."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


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
    decay_km: float
    min_shared_places: int


@cache
def defaults() -> Defaults:
    raw: dict[str, Any] = tomllib.loads(
        resources.files(__package__).joinpath("builder.toml").read_text(encoding="utf-8")
    )
    designation = raw["designation"]
    return Defaults(
        annual_cost_per_place=raw["annual_cost_per_place"],
        capital_per_place=raw["capital_per_place"],
        capital_fixed=raw["capital_fixed"],
        annual_fixed_cost=raw["annual_fixed_cost"],
        expansion=raw["expansion"],
        sizes=raw["sizes"],
        lead_years=raw["lead_years"],
        hosted_needs=tuple(designation["hosted"]),
        needs_by_name=tuple((tuple(r["words"]), tuple(r["needs"])) for r in designation["by_name"]),
        decay_km=float(raw["reach"]["decay_km"]),
        min_shared_places=int(raw["reach"]["min_shared_places"]),
    )
