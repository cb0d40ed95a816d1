"""explain.csv: what each chosen option is worth to the plan, proven.

For every option the plan opens, the plan is taken without it: every other decision stands
(the options it opens, when and at what size), and its pupils are placed again at least
cost among the places left (:class:`placeplan.optimise.replan.Replacing`, a linear
programme, so the figure is the proven optimum, the same on any machine and under any
load). That is what a consultation document can say about a site: "if it does not open,
and the rest of the plan goes ahead, the plan costs £X more, and its pupils go to these
schools, or to independent and out-of-area places".

Where the pupils it served go (in the plan's last year) is written as columns, not text:
how many to existing sites, to the plan's other new options and to independent or
out-of-area places, and the three schools that take most. These are unprotected counts of
pupils: explain.csv is marked internal on every row, and the shortlist protects them.

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

import numpy as np
import pandas as pd

from ..codes import LOCAL_KINDS
from ..optimise import Result
from ..optimise.replan import Replacing
from ..solved import DESTINATION_COLUMNS, DESTINATIONS, EXPLAIN_COLUMNS, MARKING
from .problem import SendProblem
from .results import costs_by_year, payback_year

log = logging.getLogger(__name__)

#: Less than this share of a pupil moved is rounding in the LP, not a pupil going elsewhere.
MOVED_AT_LEAST = 0.05
COLUMNS = list(EXPLAIN_COLUMNS)


def _destinations(send: SendProblem, base: Result, other: Result, option: int) -> dict:
    """Where the pupils the option served in the plan's last year go without it: counts by
    kind of place and the schools that take most (pupils of the groups it served)."""
    E = send.facilities.site_count
    arcs = send.arcs
    last_period = len(send.years) - 1
    last = send.problem.groups.usage(len(send.years))[:, last_period]
    there = send.problem.arc_usage()[:, last_period]
    facility = arcs["facility"].to_numpy()
    served = (facility == E + option) & (base.flow > 1e-9) & (there > 0)
    groups = np.unique(arcs["group"].to_numpy()[served])
    out: dict[str, float | str] = {"pupils_served": float((base.flow * there)[served].sum())}
    mine = arcs["group"].isin(groups).to_numpy()
    before = pd.Series(base.flow * there)[mine].groupby(facility[mine]).sum()
    after = pd.Series(other.flow * there)[mine].groupby(facility[mine]).sum()
    moved = after.subtract(before, fill_value=0.0).clip(lower=0.0)
    moved = moved[moved > MOVED_AT_LEAST]
    # most pupils first; ties by the facility's id, so that the order never depends on the LP's
    ids = send.facilities.table["facility_id"].astype(str).to_numpy()
    moved = moved.iloc[np.lexsort((ids[moved.index.to_numpy()], -moved.to_numpy()))]
    unplaced = float(((other.unplaced - base.unplaced) * last)[groups].sum())
    local = np.isin(send.facilities.table["kind"].to_numpy()[moved.index.to_numpy()], LOCAL_KINDS)
    existing = moved.index.to_numpy() < E
    out["to_existing_sites"] = float(moved[existing & local].sum())
    out["to_new_options"] = float(moved[~existing].sum())
    # independent and out-of-area schools in the dataset, and the fallback, are all placements away
    out["to_independent_or_out_of_area"] = float(moved[existing & ~local].sum()) + max(0.0, unplaced)
    names = send.facilities.table["name"].astype(str).to_numpy()
    for i in range(DESTINATIONS):
        f = moved.index[i] if i < len(moved) else None
        out[f"destination_{i + 1}_id"] = ids[f] if f is not None else ""
        out[f"destination_{i + 1}_name"] = names[f] if f is not None else ""
        out[f"destination_{i + 1}_pupils"] = float(moved.iloc[i]) if f is not None else np.nan
    out["to_other_destinations"] = float(moved.iloc[DESTINATIONS:].sum())
    out["instead"] = instead_text(out, unplaced=max(0.0, unplaced))
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}


def instead_text(row: dict, *, unplaced: float) -> str:
    """The destination columns in words, for someone reading explain.csv (unprotected): the
    schools that take most, the rest elsewhere, and the ``unplaced`` (placements away that
    the dataset does not name; the independent schools it names are among the schools)."""
    if not row["pupils_served"] > 0:
        return "it serves no pupils in the last year"
    parts = [
        f"{row[f'destination_{i}_pupils']:.0f} to {row[f'destination_{i}_name']}"
        for i in range(1, DESTINATIONS + 1)
        if row[f"destination_{i}_id"]
    ]
    if row["to_other_destinations"] > MOVED_AT_LEAST:
        parts.append(f"{row['to_other_destinations']:.0f} elsewhere")
    if unplaced > MOVED_AT_LEAST:
        parts.append(f"{unplaced:.0f} to independent or out-of-area places")
    return "; ".join(parts) if parts else "the same pupils are placed as before"


_SHARED: dict = {}  # what each worker process works from, set once per process


def _init(send: SendProblem, result: Result) -> None:
    _SHARED["replacing"] = Replacing(send.problem, result)


def _worker_init(send: SendProblem, result: Result) -> None:
    """A re-solve process leaves Ctrl-C to its parent, which stops it: one line on the
    terminal, not a traceback from every process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init(send, result)


def _counterfactual(option: int) -> tuple[int, Result, float]:
    start = time.perf_counter()
    other = _SHARED["replacing"].without([option])
    return option, other, time.perf_counter() - start


def _spent(costs: pd.DataFrame) -> np.ndarray:
    return (costs["running"] + costs["capital"]).to_numpy()


_NO_DESTINATIONS = {
    "pupils_served": np.nan,
    "to_existing_sites": np.nan,
    "to_new_options": np.nan,
    "to_independent_or_out_of_area": np.nan,
    "to_other_destinations": np.nan,
    **{c: ("" if not c.endswith("_pupils") else np.nan) for c in DESTINATION_COLUMNS},
}


def _row(send: SendProblem, result: Result, option: int, other: Result | None, spent: np.ndarray | None = None) -> dict:
    ids = send.facilities.options["facility_id"].to_numpy()
    names = send.facilities.options["name"].to_numpy()
    row = {"marking": MARKING, "option_id": ids[option], "name": names[option], **_NO_DESTINATIONS}
    if other is None:
        return {
            **row,
            "status": "forced open",
            "objective_without": np.nan,
            "cost_increase": np.nan,
            "payback_year": pd.NA,
            "instead": "forced open by the scenario: no counterfactual",
        }
    if not other.has_plan:
        return {
            **row,
            "status": str(other.status),
            "objective_without": np.nan,
            "cost_increase": np.inf,
            "payback_year": pd.NA,
            "instead": "no plan without it: " + (other.message or str(other.status)),
        }
    spent = _spent(costs_by_year(send, result)) if spent is None else spent
    payback = payback_year(
        spent, _spent(costs_by_year(send, other)), send.years, opened=int(result.option_period[option])
    )
    return {
        **row,
        "status": str(other.status),
        "objective_without": round(other.objective, 0),
        "cost_increase": round(other.objective - result.objective, 0),
        "payback_year": pd.NA if payback is None else payback,
        **_destinations(send, result, other, option),
    }


def explain(send: SendProblem, result: Result, *, workers: int = 1) -> pd.DataFrame:
    """One row per chosen option (:data:`COLUMNS`): the plan's cost without it, the rest of
    the plan as it is, and the rise (proven: ``status`` ``optimal``; ``infeasible`` when
    the places left cannot take the pupils who may not go out of area), and where its
    pupils would go. The placements run in ``workers`` processes; each is exact and
    deterministic, so the table does not depend on how many."""
    chosen = [int(o) for o in np.flatnonzero(result.option_open)]
    jobs = [o for o in chosen if not send.problem.options.forced[o]]
    outcomes: dict[int, Result] = {}
    done = 0

    def record(option: int, other: Result, seconds: float) -> None:
        nonlocal done
        done += 1
        outcomes[option] = other
        log.info(
            "explain %d/%d: without %s the plan costs £%s more (%s, %.1f s)",
            done,
            len(jobs),
            send.facilities.options["facility_id"].iloc[option],
            f"{other.objective - result.objective:,.0f}" if other.has_plan else "?",
            other.status,
            seconds,
        )

    if workers > 1 and len(jobs) > 1:
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(send, result)
        )
        try:
            for option, other, seconds in pool.map(_counterfactual, jobs):
                record(option, other, seconds)
        except BaseException:
            # Ctrl-C or an error: stop now, not after every queued placement has run
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
    table = pd.DataFrame([_row(send, result, o, outcomes.get(o), spent) for o in chosen], columns=COLUMNS)
    table["payback_year"] = table["payback_year"].astype("Int64")
    return table
