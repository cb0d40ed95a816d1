"""Sites and options as facilities the model can place pupils at, with the scenario's rules.

Every option the rules rule out (excluded by the scenario, a host that is not
oversubscribed when oversubscription is required, deliverability below the threshold,
opening after the horizon) is kept in the table with the reason, so the shortlist can say
why it was never in the running.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..checks import option_id_problems
from ..codes import NEEDS, PHASES
from ..scenario.model import Scenario

HOSTED_KINDS = ("srp", "esta", "unit")


@dataclass(frozen=True)
class Facilities:
    """Existing sites first, then options; one row each, in the core's facility order."""

    table: pd.DataFrame      # facility_id, name, kind, is_option, ncy_min, ncy_max, needs (set), ...
    admits: np.ndarray       # (F, needs) bool: facility admits need
    site_count: int

    @property
    def options(self) -> pd.DataFrame:
        return self.table.iloc[self.site_count:]

    @property
    def sites(self) -> pd.DataFrame:
        return self.table.iloc[: self.site_count]


def _needs_matrix(cells: pd.Series) -> np.ndarray:
    """Facility x need code: admitted. Cells are the validated tuples of codes."""
    codes = list(NEEDS)
    out = np.zeros((len(cells), len(codes)), dtype=bool)
    for i, cell in enumerate(cells):
        for need in cell:
            out[i, codes.index(need)] = True
    return out


def _annual_cost(frame: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    by_kind = frame["kind"].map(scenario.costs.annual_cost_per_place).astype(float)
    given = frame.get("annual_cost_per_place")
    return (given.astype(float).fillna(by_kind) if given is not None else by_kind).to_numpy()


def _host_penalty(options: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Pounds per place per year for a host below the oversubscription threshold."""
    rules = scenario.rules
    if rules.host_preference != "weight":
        return np.zeros(len(options))
    ratio = options["host_first_preference_ratio"].astype(float).fillna(0.0).to_numpy()
    hosted = options["kind"].isin(HOSTED_KINDS).to_numpy()
    below = np.maximum(0.0, rules.min_host_first_preference_ratio - ratio)
    return np.where(hosted, rules.host_weight * below, 0.0)


def ruled_out(options: pd.DataFrame, scenario: Scenario, first_year: int, years: int) -> pd.Series:
    """Why each option cannot open under the scenario's rules ('' when it can)."""
    rules = scenario.rules
    reason = pd.Series("", index=options.index, dtype=object)

    def mark(mask: pd.Series | np.ndarray, text: str) -> None:
        mask = pd.Series(np.asarray(mask, bool), index=options.index) & (reason == "")
        reason[mask] = text

    ids = options["option_id"]
    mark(ids.isin(rules.exclude), "excluded by the scenario")
    if rules.host_preference == "require":
        ratio = options["host_first_preference_ratio"].astype(float)
        hosted = options["kind"].isin(HOSTED_KINDS)
        mark(hosted & ratio.isna(), "ineligible host: no first-preference figures for the host school")
        mark(hosted & (ratio < rules.min_host_first_preference_ratio),
             f"ineligible host: first preferences below {rules.min_host_first_preference_ratio:g} x places offered")
    deliverability = options["deliverability"].astype(float).fillna(1.0)
    mark(deliverability < rules.min_deliverability, f"deliverability below {rules.min_deliverability:g}")
    earliest = options["earliest_year"].astype(float).fillna(first_year)
    mark(earliest > first_year + years - 1, "cannot open before the end of the plan")
    return reason


def check_option_ids(options: pd.DataFrame, scenario: Scenario, sites: pd.DataFrame | None = None) -> None:
    """force_open and exclude must name options of the dataset (the pipeline's check,
    :func:`placeplan.checks.option_id_problems`, here again for callers that skip it)."""
    site_ids = sites["site_id"] if sites is not None else ()
    option_id_problems(options["option_id"], site_ids, scenario.rules).raise_if_errors("scenario rules")


def facilities(sites: pd.DataFrame, options: pd.DataFrame | None, scenario: Scenario, *,
               first_year: int, years: int) -> Facilities:
    options = options if options is not None else pd.DataFrame(columns=["option_id"])
    check_option_ids(options, scenario, sites)
    site_rows = pd.DataFrame({
        "facility_id": sites["site_id"].astype(str), "name": sites["name"], "kind": sites["kind"],
        "is_option": False, "x": sites["x"], "y": sites["y"],
        "ncy_min": sites["ncy_min"].astype(int), "ncy_max": sites["ncy_max"].astype(int),
        "needs": sites["needs"], "capacity": sites["capacity"].astype(float),
        "annual_cost_per_place": _annual_cost(sites, scenario), "ruled_out": "",
    })
    option_rows = pd.DataFrame({
        "facility_id": options["option_id"].astype(str), "name": options["name"], "kind": options["kind"],
        "is_option": True, "x": options["x"], "y": options["y"],
        "ncy_min": options["ncy_min"].astype(int), "ncy_max": options["ncy_max"].astype(int),
        "needs": options["needs"], "capacity": np.nan,
        "annual_cost_per_place": _annual_cost(options, scenario),
        "ruled_out": ruled_out(options, scenario, first_year, years),
        "host_penalty": _host_penalty(options, scenario),
        "deliverability_penalty": scenario.rules.deliverability_weight
        * (1.0 - options["deliverability"].astype(float).fillna(1.0)).to_numpy(),
    })
    for column in ("site_id", "min_places", "max_places", "place_step", "capital_fixed", "capital_per_place",
                   "earliest_year", "host_first_preference_ratio", "deliverability"):
        option_rows[column] = options[column].to_numpy() if column in options else np.nan
    table = pd.concat([site_rows, option_rows], ignore_index=True)
    for column in ("host_penalty", "deliverability_penalty"):
        table[column] = table[column].fillna(0.0)
    return Facilities(table, _needs_matrix(table["needs"]), len(site_rows))


def phase_band_edges(table: pd.DataFrame, ncy_values: np.ndarray) -> list[tuple[int, int]]:
    """NCY bands no facility's range cuts through and no phase boundary crosses.

    Groups of pupils are formed per band: a facility admits a band wholly or not at all,
    so grouping year groups into bands loses nothing.
    """
    cuts = set(table["ncy_min"]) | {int(v) + 1 for v in table["ncy_max"]}
    cuts |= {first for first, _ in PHASES.values()}
    present = sorted(set(int(v) for v in ncy_values))
    bands: list[tuple[int, int]] = []
    for ncy in present:
        if bands and ncy == bands[-1][1] + 1 and ncy not in cuts:
            bands[-1] = (bands[-1][0], ncy)
        else:
            bands.append((ncy, ncy))
    return bands
