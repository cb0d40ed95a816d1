"""The robust plan: one plan of openings chosen against many demand draws together.

The sample average approximation asks for the plan of least mean cost over the draws,
each draw's pupils placed as well as that plan allows. Solved as one model
(:func:`placeplan.optimise.stack.stack`) it is exact, but the model grows with the draws:
on Kingston and Richmond 3 draws take 50 s and 10 draws do not finish the LP relaxation in
two minutes. So the sweep solves it by a scenario decomposition instead:

1. **Candidates**: the scenario's plan and the plan each of the first M draws chooses for
   itself (draws.csv's solves), each distinct plan once, the scenario's first.
2. **Pricing**: every candidate in every draw with its openings fixed and only the
   placements chosen (a linear programme each: :func:`price_job`).
3. **Choice**: the candidate of least mean cost over the M draws (the first on a tie).
4. **Gap**: no plan can cost less on average than the draws' own best plans do (each
   draw's lower bound, from its own solve), so ``(mean cost - mean bound) / mean cost``
   bounds how far the choice is from the exact robust plan. It is reported, never hidden.

Everything is counted, nothing timed: the same draws give the same choice on any cluster.
:func:`stacked_job` solves the exact model, for the benchmark's comparison on a few draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..optimise import Status
from ..optimise.replan import Placing
from ..optimise.stack import stack
from ..plan.problem import SendProblem
from ..plan.run import prepare
from .jobs import Context, Opened, Outcome, outcome_of, solve_plan


@dataclass(frozen=True)
class Robust:
    """The robust plan, and how close it is proven to be."""

    status: str
    expected_cost: float  # its mean cost over the draws it was chosen against
    bound: float  # no plan's mean cost over those draws is lower
    gap: float
    draws: int
    candidates: int
    opened: tuple[Opened, ...]
    method: str
    candidate: int = -1  # its place among the candidates (-1: none, or solved as one model)


@dataclass(frozen=True)
class PriceJob:
    """Price these plans in one draw."""

    draw: int
    plans: tuple[tuple[Opened, ...], ...]


def candidates(plan: Outcome, draws: list[Outcome]) -> list[tuple[Opened, ...]]:
    """The scenario's plan, then each draw's own plan not seen before, in draw order."""
    seen: list[tuple[Opened, ...]] = []
    for outcome in [plan, *draws]:
        if outcome.has_plan and _key(outcome.opened) not in [_key(s) for s in seen]:
            seen.append(outcome.opened)
    return seen


def _key(opened: tuple[Opened, ...]) -> tuple:
    return tuple(sorted((o.option_id, round(o.places, 6), o.opening_year) for o in opened))


def choose(options: list[tuple[Opened, ...]], priced: list[tuple[Outcome, ...]], own: list[Outcome]) -> Robust:
    """The candidate of least mean cost over the draws of ``own`` (``priced[d][c]``:
    candidate c in draw d), with the gap to the mean of the draws' own lower bounds. A
    candidate without a plan in some draw (a rule it cannot meet there) is not chosen."""
    cost = np.array([[p.total_cost if p.has_plan else math.inf for p in row] for row in priced])
    mean = cost.mean(axis=0)
    best = int(np.argmin(mean))
    bound = float(np.mean([o.total_cost * (1 - o.gap) for o in own]))
    expected = float(mean[best])
    gap = max(0.0, (expected - bound) / abs(expected)) if math.isfinite(expected) and expected else math.nan
    status = (Status.OPTIMAL if gap <= 1e-6 else Status.FEASIBLE) if math.isfinite(expected) else Status.INFEASIBLE
    method = (
        f"the best of {len(options)} candidate plans (the scenario's and each draw's own), each priced in "
        f"the {len(own)} draws with its openings fixed; the gap is to the mean of the draws' own lower "
        "bounds, which no plan's mean cost is below"
    )
    if not math.isfinite(expected):
        return Robust(str(status), expected, bound, gap, len(own), len(options), (), method)
    return Robust(str(status), expected, bound, gap, len(own), len(options), options[best], method, best)


def price_job(context: Context, job: PriceJob) -> tuple[Outcome, ...]:
    """Each plan of ``job`` in its draw: openings fixed, placements at least cost (one
    model of the draw, each plan a change of bounds from the one before)."""
    planned = context.futures.planned(job.draw)
    send = prepare(context.inputs, planned=planned, pairs=context.pairs).send
    placing = Placing(send.problem)
    return tuple(
        outcome_of(context, job.draw, planned, send, placing.place(*arrays_of(send, opened))) for opened in job.plans
    )


def stacked_job(context: Context, draws: tuple[int, ...]) -> tuple[Robust, float]:
    """The exact robust plan over ``draws``: one model of every draw's placements and one
    plan of openings, solved as the scenario says; also its solve's seconds."""
    sends = [prepare(context.inputs, planned=context.futures.planned(d), pairs=context.pairs).send for d in draws]
    stacked = stack([send.problem for send in sends])
    result = solve_plan(context, stacked.problem)
    method = f"one model of {len(draws)} draws' placements with one plan of openings ({result.model_size})"
    if not result.has_plan:
        return Robust(
            str(result.status), math.nan, result.best_bound, math.nan, len(draws), 0, (), method
        ), result.seconds
    period, size = stacked.plan(result)
    return Robust(
        str(result.status),
        float(result.objective),
        float(result.best_bound),
        float(result.gap),
        len(draws),
        0,
        openings(sends[0], period, size),
        method,
    ), result.seconds


def openings(send: SendProblem, period: np.ndarray, size: np.ndarray) -> tuple[Opened, ...]:
    """The options a plan opens, by option id, places and opening year."""
    ids = send.facilities.options["facility_id"].astype(str).to_numpy()
    return tuple(Opened(ids[o], float(size[o]), int(send.years[period[o]])) for o in np.flatnonzero(period >= 0))


def arrays_of(send: SendProblem, opened: tuple[Opened, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A plan's openings as the core's arrays: opening period (-1: not opened) and size."""
    ids = send.facilities.options["facility_id"].astype(str).tolist()
    period, size = np.full(len(ids), -1), np.full(len(ids), np.nan)
    for o in opened:
        index = ids.index(o.option_id)
        period[index], size[index] = send.years.index(o.opening_year), o.places
    return period, size
