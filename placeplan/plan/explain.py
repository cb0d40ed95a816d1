"""explain.csv: what each chosen option is worth to the plan.

For every option the plan opens, the problem is solved again with that option excluded,
warm-started from the plan, and compared: how much more the best plan costs without it,
and where the pupils it served would go instead. Those figures are what a consultation
document can say about a site: "without it, the next best plan costs £X more and sends N
pupils to independent schools".

``payback_year``: the first plan year, from the option's opening, by which the plan has
spent no more money than the plan without it (capital and running costs, undiscounted,
weights apart, counted from the first plan year: :func:`.results.payback_year`); blank when
not within the horizon.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..optimise import Plan, Result, solve
from .problem import SendProblem
from .results import costs_by_year, payback_year

log = logging.getLogger(__name__)


def _without(send: SendProblem, option: int):
    return send.problem.closing([option])


def _warm_start(send: SendProblem, result: Result, option: int) -> Plan | None:
    """The plan with the option closed and its pupils unplaced: feasible whenever those
    pupils may fall back, and a good start for the solver."""
    E = send.facilities.site_count
    into = send.arcs["facility"].to_numpy() == E + option
    flow = np.where(into, 0.0, result.flow)
    unplaced = result.unplaced.copy()
    np.add.at(unplaced, send.arcs["group"].to_numpy()[into], result.flow[into])
    moved = np.flatnonzero(unplaced > result.unplaced + 1e-12)
    _without_their_movers(send, flow, unplaced, np.where(into, result.flow, 0.0))
    if not np.isfinite(send.problem.groups.fallback_cost[moved]).all():
        return None
    period, size = result.option_period.copy(), result.option_size.copy()
    period[option], size[option] = -1, np.nan
    return Plan(flow, unplaced, period, size)


def _without_their_movers(send: SendProblem, flow: np.ndarray, unplaced: np.ndarray, removed: np.ndarray) -> None:
    """Pupils no longer placed along the ``removed`` flows no longer move on into the groups
    they rejoined (:mod:`.moves`): take as many from those groups, from their unplaced
    pupils first, then from their placements in proportion, and so on for those pupils'
    own moves (in ``flow`` and ``unplaced``, in place)."""
    problem = send.problem
    rejoins, arc_group, period = problem.rejoins, problem.arcs.group, problem.groups.period
    if not rejoins.count:
        return
    fewer = np.zeros(problem.groups.count)
    np.add.at(fewer, rejoins.group, rejoins.share * removed[rejoins.arc])
    for t in range(problem.periods.count):  # pupils rejoin groups of later years only
        for group in np.flatnonzero((period == t) & (fewer > 1e-12)):
            out_of_area = min(unplaced[group], fewer[group])
            unplaced[group] -= out_of_area
            arcs = np.flatnonzero((arc_group == group) & (flow > 0))
            placed = flow[arcs].sum()
            if placed <= 0:
                continue
            cut = flow[arcs] * min(1.0, (fewer[group] - out_of_area) / placed)
            flow[arcs] -= cut
            taken = np.zeros(problem.arcs.count)
            taken[arcs] = cut
            np.add.at(fewer, rejoins.group, rejoins.share * taken[rejoins.arc])


def _destinations(send: SendProblem, base: Result, other: Result, option: int, last_period: int) -> str:
    """Where the pupils the option served in the last year go without it."""
    E = send.facilities.site_count
    arcs = send.arcs
    # pupils there in the last year: a group's units times the share of them still there
    last = send.problem.groups.usage(len(send.years))[:, last_period]
    there = send.problem.arc_usage()[:, last_period]
    served = (arcs["facility"].to_numpy() == E + option) & (base.flow > 1e-9) & (there > 0)
    groups = np.unique(arcs["group"].to_numpy()[served])
    if not len(groups):
        return "it serves no pupils in the last year"
    mine = arcs["group"].isin(groups)
    before = pd.Series(base.flow * there, index=arcs.index)[mine].groupby(arcs["facility"]).sum()
    after = pd.Series(other.flow * there, index=arcs.index)[mine].groupby(arcs["facility"]).sum()
    moved = (after.subtract(before, fill_value=0.0)).clip(lower=0.0)
    moved = moved[moved > 0.05].sort_values(ascending=False)
    unplaced = float(((other.unplaced - base.unplaced) * last)[groups].sum())
    names = send.facilities.table["name"].to_numpy()
    parts = [f"{amount:.0f} to {names[f]}" for f, amount in moved.head(4).items()]
    if len(moved) > 4:
        parts.append(f"{moved.iloc[4:].sum():.0f} elsewhere")
    if unplaced > 0.05:
        parts.append(f"{unplaced:.0f} unplaced (independent or out of area)")
    return "; ".join(parts) if parts else "the same pupils are placed as before"


@dataclass(frozen=True)
class _Job:
    option: int
    solver: str
    time_limit: float
    relative_gap: float


_SHARED: dict = {}  # the plan each worker process explains, set once per process


def _init(send: SendProblem, result: Result) -> None:
    _SHARED["send"], _SHARED["result"] = send, result


def _worker_init(send: SendProblem, result: Result) -> None:
    """A re-solve process leaves Ctrl-C to its parent, which stops it: one line on the
    terminal, not a traceback from every process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init(send, result)


def _counterfactual(job: _Job) -> tuple[int, Result, float]:
    send, result = _SHARED["send"], _SHARED["result"]
    start = time.perf_counter()
    other = solve(_without(send, job.option), solver=job.solver, time_limit=job.time_limit,
                  relative_gap=job.relative_gap, warm_start=_warm_start(send, result, job.option))
    return job.option, other, time.perf_counter() - start


def _spent(costs: pd.DataFrame) -> np.ndarray:
    return (costs["running"] + costs["capital"]).to_numpy()


def _row(send: SendProblem, result: Result, option: int, other: Result | None,
         spent: np.ndarray | None = None) -> dict:
    ids = send.facilities.options["facility_id"].to_numpy()
    names = send.facilities.options["name"].to_numpy()
    row = {"option_id": ids[option], "name": names[option]}
    if other is None:
        return {**row, "status": "forced open", "objective_without": np.nan, "cost_increase": np.nan,
                "cost_increase_at_least": np.nan, "gap_without": np.nan, "payback_year": pd.NA,
                "instead": "forced open by the scenario: no counterfactual"}
    if not other.has_plan:
        return {**row, "status": str(other.status), "objective_without": np.nan, "cost_increase": np.inf,
                "cost_increase_at_least": np.nan, "gap_without": np.nan, "payback_year": pd.NA,
                "instead": "no plan without it: " + (other.message or str(other.status))}
    spent = _spent(costs_by_year(send, result)) if spent is None else spent
    payback = payback_year(spent, _spent(costs_by_year(send, other)), send.years,
                           opened=int(result.option_period[option]))
    return {**row, "status": str(other.status), "objective_without": round(other.objective, 0),
            "cost_increase": round(other.objective - result.objective, 0),
            "cost_increase_at_least": round(max(0.0, other.best_bound - result.objective), 0),
            "gap_without": other.gap, "payback_year": pd.NA if payback is None else payback,
            "instead": _destinations(send, result, other, option, len(send.years) - 1)}


def explain(send: SendProblem, result: Result, *, solver: str, time_limit: float,
            relative_gap: float, workers: int = 1) -> pd.DataFrame:
    """One row per chosen option: the plan's cost without it and the rise, and where its
    pupils would go. ``cost_increase`` is from the best plan found without the option;
    ``cost_increase_at_least`` from the bound, so the true rise lies between the two (they
    are equal when the re-solve is proven optimal). Re-solves run in ``workers`` processes;
    each is deterministic, so the table does not depend on how many."""
    chosen = [int(o) for o in np.flatnonzero(result.option_open)]
    forced = [o for o in chosen if send.problem.options.forced[o]]
    jobs = [_Job(o, solver, time_limit, relative_gap) for o in chosen if o not in forced]
    outcomes: dict[int, Result] = {}
    done = 0

    def record(option: int, other: Result, seconds: float) -> None:
        nonlocal done
        done += 1
        outcomes[option] = other
        log.info("explain %d/%d: without %s the plan costs £%s more (%s, %.1f s)", done, len(jobs),
                 send.facilities.options["facility_id"].iloc[option],
                 f"{other.objective - result.objective:,.0f}" if other.has_plan else "?", other.status, seconds)

    if workers > 1 and len(jobs) > 1:
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init,
                                   initargs=(send, result))
        try:
            for option, other, seconds in pool.map(_counterfactual, jobs):
                record(option, other, seconds)
        except BaseException:
            # Ctrl-C or an error: stop now, not after every queued re-solve has run
            pool.shutdown(wait=False, cancel_futures=True)
            for child in multiprocessing.active_children():
                child.terminate()
            raise
        pool.shutdown()
    else:
        _init(send, result)
        for job in jobs:
            record(*_counterfactual(job))
    spent = _spent(costs_by_year(send, result))
    rows = [_row(send, result, o, outcomes.get(o), spent) for o in chosen]
    columns = ["option_id", "name", "status", "objective_without", "cost_increase", "cost_increase_at_least",
               "gap_without", "payback_year", "instead"]
    table = pd.DataFrame(rows, columns=columns)
    table["payback_year"] = table["payback_year"].astype("Int64")
    return table
