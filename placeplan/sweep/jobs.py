"""One solve of a sweep: the plain data a worker receives, and what it sends back.

The client loads the scenario once and works out what every solve shares (the inputs, the
demand futures, the travel pairs): :class:`Context`, sent to each worker once. A
:class:`Job` names one demand future (a Monte Carlo draw, or None for the scenario's
percentile). :func:`solve_job` builds the model on the worker, solves it with one thread
and returns an :class:`Outcome` of plain numbers and names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..demand import DemandFutures
from ..optimise import Result, Status, solve
from ..pipeline import Inputs, travel_for
from ..plan.options import options_table
from ..plan.results import capital_by_option, flows_by_member
from ..plan.run import placement_where, prepare


@dataclass(frozen=True)
class Context:
    """What every solve of a sweep shares."""

    inputs: Inputs
    futures: DemandFutures
    pairs: pd.DataFrame

    @classmethod
    def of(cls, inputs: Inputs) -> Context:
        return cls(inputs, DemandFutures.of(inputs.dataset, inputs.scenario.scenario), travel_for(inputs))


@dataclass(frozen=True)
class Job:
    draw: int | None  # None: the scenario's own percentile


@dataclass(frozen=True)
class Opened:
    option_id: str
    places: float
    opening_year: int


@dataclass(frozen=True)
class Outcome:
    """One plan of a sweep, in plain data."""

    draw: int | None
    status: str
    total_cost: float
    gap: float
    capital: float
    out_of_area_pupils: float  # placed independently or out of area, the plan's last year
    pupils_planned: float  # all pupils of the plan's last year
    opened: tuple[Opened, ...]

    @property
    def has_plan(self) -> bool:
        return self.status in (Status.OPTIMAL.value, Status.FEASIBLE.value, Status.TIME_LIMIT.value)


def solve_job(context: Context, job: Job) -> Outcome:
    """Build and solve the plan for one demand future (one solver thread)."""
    planned = context.futures.planned(job.draw)
    send = prepare(context.inputs, planned=planned, pairs=context.pairs).send
    return outcome_of(context, job.draw, planned, send, solve_plan(context, send.problem))


def alternatives_job(context: Context, count: int) -> list[Outcome]:
    """The scenario's plan and the ``count`` next best distinct plans, one after another:
    each opens a set of options other than every plan before it (each solved to the
    scenario's gap). Fewer when the rules admit no more."""
    planned = context.futures.planned(None)
    send = prepare(context.inputs, planned=planned, pairs=context.pairs).send
    outcomes: list[Outcome] = []
    seen: list[tuple[int, ...]] = []
    for _ in range(count + 1):
        result = solve_plan(context, send.problem.differing(seen))
        if not result.has_plan:
            break
        outcomes.append(outcome_of(context, None, planned, send, result))
        seen.append(tuple(int(o) for o in np.flatnonzero(result.option_open)))
    return outcomes


def solve_plan(context: Context, problem) -> Result:
    """``problem`` solved as the scenario says, with one thread (a worker's)."""
    scenario = context.inputs.scenario.scenario
    settings = scenario.solve
    return solve(
        problem,
        solver=settings.solver,
        time_limit=settings.time_limit_s,
        relative_gap=settings.relative_gap,
        threads=1,
        seed=scenario.demand.seed,
        search=settings.search,
    )


def placed_away(send, result: Result, year: int) -> pd.DataFrame:
    """The flows of ``result`` to independent or out-of-area places in ``year``."""
    split = flows_by_member(send, result)
    return split[(split["year"] == year) & (placement_where(send, split) != "local")]


def outcome_of(context: Context, draw: int | None, planned, send, result: Result) -> Outcome:
    scenario = context.inputs.scenario.scenario
    last = send.years[-1]
    pupils = float(planned.demand.loc[planned.demand["year"] == last, "pupils"].sum())
    if not result.has_plan:
        return Outcome(draw, str(result.status), float("nan"), float("nan"), 0.0, float("nan"), pupils, ())
    away = placed_away(send, result, last)["pupils"].sum()
    options = options_table(send, result, scenario, None)
    chosen = options[options["chosen"]]
    opened = tuple(Opened(str(r.option_id), float(r.places), int(r.opening_year)) for r in chosen.itertuples())
    return Outcome(
        draw,
        str(result.status),
        float(result.objective),
        float(result.gap),
        float(capital_by_option(send, result).sum()),
        float(away),
        pupils,
        opened,
    )
