"""A solved plan as tidy tables keyed by real ids: allocation, options, and the summary.

The core returns flows per arc and unplaced units per group; here they are split back over
the pupils in each group (by need, year group and home zone, in proportion: every pupil
in a group has the same choices at the same costs, so any split is an optimal one) and
each cost term is separated into what a council budgets for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import phase_of
from ..optimise import Result
from .problem import SendProblem

UNPLACED = "(unplaced: independent or out of area)"


def flows_by_member(send: SendProblem, result: Result) -> pd.DataFrame:
    """Pupils by home zone, need, NCY, year and facility ('' = unplaced), with journey."""
    arcs = send.arcs.assign(amount=result.flow)
    arcs = arcs[arcs["amount"] > 1e-9]
    unplaced = pd.DataFrame({"group": np.arange(len(send.groups)), "amount": result.unplaced})
    unplaced = unplaced[unplaced["amount"] > 1e-9].assign(facility=-1, minutes=np.nan, km=np.nan)
    placed = pd.concat([arcs[["group", "facility", "amount", "minutes", "km"]], unplaced], ignore_index=True)
    members = send.members
    share = members["pupils"] / members.groupby("group")["pupils"].transform("sum")
    split = placed.merge(members.assign(share=share), on="group")
    split["pupils"] = split["amount"] * split["share"]
    split["year"] = send.groups["year"].to_numpy()[split["group"].to_numpy()]
    split["phase"] = split["ncy"].map(phase_of)
    return split[["home_zone", "need", "ncy", "phase", "setting", "year", "facility", "pupils", "minutes", "km"]]


def allocation_table(send: SendProblem, split: pd.DataFrame) -> pd.DataFrame:
    """allocation.csv: zone, need, phase, setting, year, facility, pupils, minutes, km."""
    ids = send.facilities.table["facility_id"].to_numpy()
    names = send.facilities.table["name"].to_numpy()
    table = split.groupby(["home_zone", "need", "phase", "setting", "year", "facility"], observed=True).agg(
        pupils=("pupils", "sum"), minutes=("minutes", "first"), km=("km", "first")).reset_index()
    placed = table["facility"].to_numpy() >= 0
    table["facility_id"] = np.where(placed, ids[np.maximum(table["facility"], 0)], "")
    table["facility_name"] = np.where(placed, names[np.maximum(table["facility"], 0)], UNPLACED)
    table = table.rename(columns={"home_zone": "zone_id"})
    table["pupils"] = table["pupils"].round(3)
    table[["minutes", "km"]] = table[["minutes", "km"]].round(1)
    return table[["zone_id", "need", "phase", "setting", "year", "facility_id", "facility_name", "pupils", "minutes",
                  "km"]]


def cost_terms(send: SendProblem, result: Result) -> dict[str, float]:
    """Every cost term in pounds over the horizon (discounted), as a council would read it."""
    problem = send.problem
    weight = problem.periods.weight[send.groups["period"].to_numpy()[send.arcs["group"].to_numpy()]]
    flow = result.flow * weight
    options = send.facilities.options
    share = _annual_shares(options)
    terms = {
        "capital_fixed": result.terms["capital_fixed"],
        "capital_places": result.terms["capital_places"],
        "placements_existing": float((flow * send.arcs["placement"]).sum()),
        "transport": float((flow * send.arcs["transport"]).sum()),
        "travel_minutes_weight": float((flow * send.arcs["minutes_cost"]).sum()),
        "fallback": result.terms["fallback"],
    }
    annual = _option_annual_cost(send, result)
    for name, column in (("places_new", "annual_cost_per_place"), ("host_preference_weight", "host_penalty"),
                         ("deliverability_weight", "deliverability_penalty")):
        terms[name] = float((annual * share[column]).sum())
    return terms


def _annual_shares(options: pd.DataFrame) -> pd.DataFrame:
    parts = options[["annual_cost_per_place", "host_penalty", "deliverability_penalty"]].astype(float)
    total = parts.sum(axis=1).replace(0.0, np.nan)
    return parts.div(total, axis=0).fillna(0.0).reset_index(drop=True)


def _option_annual_cost(send: SendProblem, result: Result) -> np.ndarray:
    """Each option's annual place costs over the horizon (discounted), penalties included."""
    problem = send.problem
    remaining = problem.periods.remaining_weight
    opened = result.option_open
    period = np.where(opened, result.option_period, 0)
    size = np.where(opened, np.nan_to_num(result.option_size), 0.0)
    return remaining[period] * problem.options.annual_cost_per_place * size


def capital_by_option(send: SendProblem, result: Result) -> np.ndarray:
    """Undiscounted capital of each opened option (0 for the rest)."""
    options = send.problem.options
    size = np.where(result.option_open, np.nan_to_num(result.option_size), 0.0)
    return np.where(result.option_open, options.fixed_cost + options.cost_per_place * size, 0.0)


def travel_percentiles(split: pd.DataFrame) -> dict[str, float]:
    placed = split[split["facility"] >= 0]
    if placed.empty:
        return {"mean_minutes": float("nan"), "p95_minutes": float("nan")}
    order = np.argsort(placed["minutes"].to_numpy())
    minutes = placed["minutes"].to_numpy()[order]
    weights = np.cumsum(placed["pupils"].to_numpy()[order])
    p95 = minutes[np.searchsorted(weights, 0.95 * weights[-1])]
    return {"mean_minutes": float(np.average(placed["minutes"], weights=placed["pupils"])),
            "p95_minutes": float(p95)}
