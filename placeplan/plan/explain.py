"""explain.csv: what each chosen option is worth to the plan.

For every option the plan opens, the problem is solved again with that option excluded,
warm-started from the plan, and compared: how much more the best plan costs without it,
and where the pupils it served would go instead. Those figures are what a consultation
document can say about a site: "without it, the next best plan costs £X more and sends N
pupils to independent schools".
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np
import pandas as pd

from ..optimise import Plan, Result, solve
from .problem import SendProblem

log = logging.getLogger(__name__)


def _without(send: SendProblem, option: int):
    options = send.problem.options
    excluded = options.excluded.copy()
    forced = options.forced.copy()
    excluded[option], forced[option] = True, False
    return dataclasses.replace(send.problem, options=dataclasses.replace(options, excluded=excluded, forced=forced))


def _warm_start(send: SendProblem, result: Result, option: int) -> Plan | None:
    """The plan with the option closed and its pupils unplaced: feasible whenever those
    pupils may fall back, and a good start for the solver."""
    E = send.facilities.site_count
    into = send.arcs["facility"].to_numpy() == E + option
    flow = np.where(into, 0.0, result.flow)
    unplaced = result.unplaced.copy()
    np.add.at(unplaced, send.arcs["group"].to_numpy()[into], result.flow[into])
    moved = np.flatnonzero(unplaced > result.unplaced + 1e-12)
    if not np.isfinite(send.problem.groups.fallback_cost[moved]).all():
        return None
    period, size = result.option_period.copy(), result.option_size.copy()
    period[option], size[option] = -1, np.nan
    return Plan(flow, unplaced, period, size)


def _destinations(send: SendProblem, base: Result, other: Result, option: int, last_period: int) -> str:
    """Where the pupils the option served in the last year go without it."""
    E = send.facilities.site_count
    arcs = send.arcs
    period = send.groups["period"].to_numpy()[arcs["group"].to_numpy()]
    served = (arcs["facility"].to_numpy() == E + option) & (base.flow > 1e-9) & (period == last_period)
    groups = np.unique(arcs["group"].to_numpy()[served])
    if not len(groups):
        return "it serves no pupils in the last year"
    before = pd.Series(base.flow, index=arcs.index)[arcs["group"].isin(groups)].groupby(arcs["facility"]).sum()
    after = pd.Series(other.flow, index=arcs.index)[arcs["group"].isin(groups)].groupby(arcs["facility"]).sum()
    moved = (after.subtract(before, fill_value=0.0)).clip(lower=0.0)
    moved = moved[moved > 0.05].sort_values(ascending=False)
    unplaced = float(other.unplaced[groups].sum() - base.unplaced[groups].sum())
    names = send.facilities.table["name"].to_numpy()
    parts = [f"{amount:.0f} to {names[f]}" for f, amount in moved.head(4).items()]
    if len(moved) > 4:
        parts.append(f"{moved.iloc[4:].sum():.0f} elsewhere")
    if unplaced > 0.05:
        parts.append(f"{unplaced:.0f} unplaced (independent or out of area)")
    return "; ".join(parts) if parts else "the same pupils are placed as before"


def explain(send: SendProblem, result: Result, *, solver: str, time_limit: float,
            relative_gap: float, progress=None) -> pd.DataFrame:
    """One row per chosen option: objective without it, the rise, and where its pupils go."""
    rows = []
    ids = send.facilities.options["facility_id"].to_numpy()
    names = send.facilities.options["name"].to_numpy()
    chosen = np.flatnonzero(result.option_open)
    for number, option in enumerate(chosen, start=1):
        start = time.perf_counter()
        if send.problem.options.forced[option]:
            rows.append({"option_id": ids[option], "name": names[option], "status": "forced open",
                         "objective_without": np.nan, "cost_increase": np.nan, "gap_without": np.nan,
                         "instead": "forced open by the scenario: no counterfactual"})
            continue
        other = solve(_without(send, option), solver=solver, time_limit=time_limit,
                      relative_gap=relative_gap, warm_start=_warm_start(send, result, option))
        if other.has_plan:
            rise = other.objective - result.objective
            instead = _destinations(send, result, other, option, len(send.years) - 1)
        else:
            rise, instead = np.inf, "no plan without it: " + (other.message or str(other.status))
        rows.append({"option_id": ids[option], "name": names[option], "status": str(other.status),
                     "objective_without": round(other.objective, 0), "cost_increase": round(rise, 0),
                     "gap_without": other.gap, "instead": instead})
        log.info("explain %d/%d: without %s the plan costs £%s more (%s, %.1f s)", number, len(chosen),
                 ids[option], f"{rise:,.0f}", other.status, time.perf_counter() - start)
        if progress:
            progress({"stage": "explain", "done": number, "of": len(chosen)})
    columns = ["option_id", "name", "status", "objective_without", "cost_increase", "gap_without", "instead"]
    return pd.DataFrame(rows, columns=columns)
