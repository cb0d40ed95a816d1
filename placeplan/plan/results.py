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
from .moves import MOVED
from .problem import SendProblem

UNPLACED = "(unplaced: independent or out of area)"


SPLIT = ["home_zone", "need", "ncy", "phase", "setting", "year", "facility", "pupils", "minutes", "km", "continuing"]


def flows_by_member(send: SendProblem, result: Result) -> pd.DataFrame:
    """Pupils by home zone, need, NCY, year and facility ('' = unplaced), with journey."""
    arcs = send.arcs.assign(amount=result.flow)
    arcs = arcs[arcs["amount"] > 1e-9]
    unplaced = pd.DataFrame({"group": np.arange(len(send.groups)), "amount": result.unplaced})
    unplaced = unplaced[unplaced["amount"] > 1e-9].assign(facility=-1, minutes=np.nan, km=np.nan)
    placed = pd.concat([arcs[["group", "facility", "amount", "minutes", "km"]], unplaced], ignore_index=True)
    moved = send.groups["moved"].to_numpy()[placed["group"].to_numpy()]
    # a group's members, year by year (a pupil stays where placed): each member's share
    # of the units the group was placed with
    demand = send.groups["pupils"].to_numpy()
    split = placed[~moved].merge(send.members, on="group")
    split["pupils"] = split["amount"] * split["pupils"] / demand[split["group"].to_numpy()]
    split, leaving = _where_they_are(split, send)
    if moved.any():
        split = _with_movers(split, leaving, placed[moved], send)
    split["phase"] = split["ncy"].map(phase_of)
    return split[SPLIT]


def _where_they_are(split: pd.DataFrame, send: SendProblem) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of pupils still at their facility (or out of area), and those who have just
    reached a year group it does not admit: they move on that year (:mod:`.moves`)."""
    tops = send.facilities.table["ncy_max"].to_numpy()
    facility = split["facility"].to_numpy()
    top = np.where(facility >= 0, tops[np.maximum(facility, 0)], np.inf)
    ncy = split["ncy"].to_numpy()
    return split[ncy <= top], split[ncy == top + 1]


def _with_movers(split: pd.DataFrame, leaving: pd.DataFrame, placed: pd.DataFrame, send: SendProblem) -> pd.DataFrame:
    """The pupils of the groups movers join, year by year: each such group holds the pupils
    who moved on into it (by home zone, in the shares they arrived in), and they may move on
    again, so the groups are taken in the order of the year they join."""
    groups, movers = send.groups, send.moved
    assert movers is not None  # the caller has pupils placed in movers' groups
    members = send.members.drop(columns="home_zone")
    frames = [split]
    for year in sorted(movers["year"].unique()):
        here = movers[movers["year"] == year]
        arrived = _arrivals(leaving, groups).merge(here, on=MOVED)
        if arrived.empty:
            continue
        share = arrived.groupby(["group", "home_zone"], as_index=False)["pupils"].sum()
        share["share"] = share["pupils"] / share.groupby("group")["pupils"].transform("sum")
        rows = placed[placed["group"].isin(here["group"])].merge(members, on="group")
        rows = rows.merge(share[["group", "home_zone", "share"]], on="group")
        rows["pupils"] = rows["amount"] * rows["pupils"] * rows["share"]
        rows, left = _where_they_are(rows, send)
        frames.append(rows)
        leaving = pd.concat([leaving, left], ignore_index=True)
    return pd.concat(frames, ignore_index=True)


def _arrivals(leaving: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Pupils who moved on, keyed as the group they join (moves.MOVED) with their home zone."""
    return leaving.assign(zone_id=groups["zone_id"].to_numpy()[leaving["group"].to_numpy()])[
        [*MOVED, "home_zone", "pupils"]
    ]


def allocation_table(send: SendProblem, split: pd.DataFrame) -> pd.DataFrame:
    """allocation.csv: zone, need, phase, setting, year, facility, pupils, minutes, km."""
    ids = send.facilities.table["facility_id"].to_numpy()
    names = send.facilities.table["name"].to_numpy()
    table = (
        split.groupby(["home_zone", "need", "phase", "setting", "year", "facility"], observed=True)
        .agg(pupils=("pupils", "sum"), minutes=("minutes", "first"), km=("km", "first"))
        .reset_index()
    )
    placed = table["facility"].to_numpy() >= 0
    table["facility_id"] = np.where(placed, ids[np.maximum(table["facility"], 0)], "")
    table["facility_name"] = np.where(placed, names[np.maximum(table["facility"], 0)], UNPLACED)
    table = table.rename(columns={"home_zone": "zone_id"})
    table["pupils"] = table["pupils"].round(3)
    table[["minutes", "km"]] = table[["minutes", "km"]].round(1)
    return table[
        ["zone_id", "need", "phase", "setting", "year", "facility_id", "facility_name", "pupils", "minutes", "km"]
    ]


def cost_terms(send: SendProblem, result: Result) -> dict[str, float]:
    """Every cost term in pounds over the horizon (discounted), as a council would read it."""
    problem = send.problem
    # a unit placed is paid for in every year it stays there
    weight = problem.arc_weight()
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
        "annual_fixed": result.terms["annual_fixed"],
    }
    annual = _option_annual_cost(send, result)
    for name, column in (
        ("places_new", "annual_cost_per_place"),
        ("host_preference_weight", "host_penalty"),
        ("deliverability_weight", "deliverability_penalty"),
    ):
        terms[name] = float((annual * share[column]).sum())
    return terms


def _annual_shares(options: pd.DataFrame) -> pd.DataFrame:
    parts = options[["annual_cost_per_place", "host_penalty", "deliverability_penalty"]].astype(float)
    total = parts.sum(axis=1).replace(0.0, np.nan)
    return parts.div(total, axis=0).fillna(0.0).reset_index(drop=True)


def _option_annual_cost(send: SendProblem, result: Result) -> np.ndarray:
    """Each option's annual place costs over the horizon (discounted), penalties included."""
    problem = send.problem
    opened = result.option_open
    period = np.where(opened, result.option_period, 0)
    size = np.where(opened, np.nan_to_num(result.option_size), 0.0)
    weight = problem.options.place_weight(problem.periods)[np.arange(problem.options.count), period]
    return weight * problem.options.annual_cost_per_place * size


#: The money a plan spends in a year, weights apart (what costs_by_year adds up as running).
RUNNING = ("placements_existing", "transport", "fallback", "places_new", "annual_fixed")


def costs_by_year(send: SendProblem, result: Result) -> pd.DataFrame:
    """What the plan spends in each plan year, undiscounted, in pounds: placements at existing
    sites, transport, out-of-area placements (with their transport), new places at their
    annual cost, new options' running costs (``RUNNING``, added up as ``running``), and the
    capital spent opening options that year; ``running_discounted`` and
    ``capital_discounted`` weigh them as the objective does. The optional weights (journey
    minutes, host preference, deliverability) are not money and are left out."""
    problem, T = send.problem, len(send.years)
    usage = problem.groups.usage(T)  # groups x periods: the share of a group's units there
    arc_usage = problem.arc_usage()  # arcs x periods: the share of an arc's units at its facility

    def by_period(values: np.ndarray, periods: np.ndarray) -> np.ndarray:
        return np.bincount(periods, weights=values, minlength=T)[:T]

    fallback = np.where(problem.groups.fallback_allowed, problem.groups.fallback_cost, 0.0)
    options = send.facilities.options
    opened = result.option_open
    start = np.where(opened, result.option_period, T)
    size = np.where(opened, np.nan_to_num(result.option_size, posinf=0.0), 0.0)
    open_in = np.arange(T)[None, :] >= start[:, None]  # options x periods
    places_in = size[:, None] * option_shares(send, result)  # the places each has, by its intake
    per_place = options["annual_cost_per_place"].astype(float).fillna(0.0).to_numpy()
    capital = capital_by_option(send, result)
    frame = pd.DataFrame(
        {
            "year": send.years,
            "placements_existing": ((result.flow * send.arcs["placement"].to_numpy())[:, None] * arc_usage).sum(axis=0),
            "transport": ((result.flow * send.arcs["transport"].to_numpy())[:, None] * arc_usage).sum(axis=0),
            "fallback": ((result.unplaced * fallback)[:, None] * usage).sum(axis=0),
            "places_new": (per_place[:, None] * places_in).sum(axis=0),
            "annual_fixed": (open_in * problem.options.annual_fixed_cost[:, None]).sum(axis=0),
            "capital": by_period(capital[opened], start[opened]),
        }
    )
    frame["running"] = frame[list(RUNNING)].sum(axis=1)
    frame["running_discounted"] = frame["running"] * problem.periods.weight
    frame["capital_discounted"] = frame["capital"] * problem.periods.capital_weight
    return frame


def option_shares(send: SendProblem, result: Result) -> np.ndarray:
    """options x periods: the share of its places each option has in each plan year (its
    phased intake from the year it opens; 0 before, and for options not opened)."""
    options, T = send.problem.options, len(send.years)
    start = np.where(result.option_open, result.option_period, T)
    return options.usable_share(np.arange(options.count)[:, None], np.arange(T)[None, :] - start[:, None])


def payback_year(spent_with: np.ndarray, spent_without: np.ndarray, years: list[int], *, opened: int) -> int | None:
    """The first plan year, from period ``opened`` (when the first option opens and its
    capital is spent), by which the cumulative money spent with the plan (or option) is no
    more than without it (capital and running costs, undiscounted, from the first plan
    year); None if that is not within the horizon."""
    ahead = np.cumsum(np.asarray(spent_with, float) - np.asarray(spent_without, float))
    tolerance = 1e-6 * max(1.0, float(np.abs(spent_with).sum()))
    covered = np.flatnonzero(ahead <= tolerance)
    covered = covered[covered >= opened]
    return int(years[covered[0]]) if len(covered) else None


def status_quo_journeys(
    send: SendProblem, split: pd.DataFrame, status_quo: pd.DataFrame, *, reference_minutes: float
) -> list[dict]:
    """facility_id, minutes: for each site and option the plan places pupils at in its last
    year, the average journey the same pupils (home zone, need, phase) make in the status
    quo, an independent or out-of-area place counting the reference journey."""
    last = send.years[-1]
    placed = split[(split["year"] == last) & (split["facility"] >= 0)]
    before = status_quo[status_quo["year"] == last]
    before = before.assign(minutes=before["minutes"].where(before["facility"] >= 0, reference_minutes))
    keys = ["home_zone", "need", "phase"]
    cell = (
        before.assign(weighted=before["minutes"] * before["pupils"])
        .groupby(keys)
        .agg(weighted=("weighted", "sum"), pupils=("pupils", "sum"))
    )
    cell = (cell["weighted"] / cell["pupils"]).rename("before").reset_index()
    joined = placed.merge(cell, on=keys, how="inner")
    joined = joined[joined["before"].notna() & (joined["pupils"] > 0)]
    if joined.empty:
        return []
    weight = joined["pupils"]
    minutes = (joined["before"] * weight).groupby(joined["facility"]).sum() / weight.groupby(joined["facility"]).sum()
    ids = send.facilities.table["facility_id"].to_numpy()
    return [{"facility_id": str(ids[f]), "minutes": round(float(m), 2)} for f, m in minutes.items()]


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
    return {"mean_minutes": float(np.average(placed["minutes"], weights=placed["pupils"])), "p95_minutes": float(p95)}
