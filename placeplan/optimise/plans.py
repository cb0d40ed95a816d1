"""A plan in the problem's own arrays (:class:`Plan`), read from and written to a model's
variables, priced term by term from the problem's data, and turned into a :class:`Result`.

Every strategy (the Lagrangian search, the LP dive, the MIP solver, a re-placement) ends
here, so each plan is priced and judged proven by the same rules, whatever found it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from .backend import Termination
from .core import Problem
from .formulation import Model
from .result import PROVEN_INFEASIBLE, Result, Status, empty_result, relative_gap, status_without_plan
from .tuning import TUNING

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """A plan in the problem's own arrays."""

    flow: np.ndarray  # (A,)
    unplaced: np.ndarray  # (G,)
    option_period: np.ndarray  # (O,) -1: not opened
    option_size: np.ndarray  # (O,) NaN: not opened


def plan_from_values(model: Model, values: np.ndarray) -> Plan:
    """Read a solution vector of ``model`` back into the problem's arrays."""
    p = model.problem
    flow = np.zeros(p.arcs.count)
    flow[model.arc_of_x] = np.maximum(values[model.families["x"]], 0.0)
    unplaced = np.zeros(p.groups.count)
    unplaced[model.group_of_u] = np.maximum(values[model.families["u"]], 0.0)
    z = values[model.families["z"]] > 0.5
    period = np.full(p.options.count, -1)
    period[model.option_of_z[z]] = model.period_of_z[z]
    o = p.options
    size = np.where(period >= 0, np.where(o.capacitated, o.min_size, np.inf), np.nan)
    k = np.round(values[model.families["k"]], 9)
    steps = np.where(o.step > 0, o.step, 1.0)
    np.add.at(size, model.option_of_k, np.where(z[model.z_of_k], k * steps[model.option_of_k], 0.0))
    return Plan(flow, unplaced, period, size)


def values_from_plan(model: Model, plan: Plan) -> np.ndarray:
    """A solution vector of ``model`` for a plan (a warm start)."""
    p = model.problem
    values = np.zeros(model.num_variables)
    values[model.families["x"]] = plan.flow[model.arc_of_x]
    values[model.families["u"]] = plan.unplaced[model.group_of_u]
    z = plan.option_period[model.option_of_z] == model.period_of_z
    values[model.families["z"]] = z
    o = p.options
    kz = z[model.z_of_k]
    extra = np.nan_to_num(plan.option_size[model.option_of_k] - o.min_size[model.option_of_k])
    steps = np.where(o.step > 0, o.step, 1.0)[model.option_of_k]
    values[model.families["k"]] = np.where(kz, np.round(extra / steps, 9), 0.0)
    return np.clip(values, model.lower, model.upper)


def plan_from_transport(
    problem: Problem, arcs: np.ndarray, y: np.ndarray, priced: tuple[float, np.ndarray, np.ndarray]
) -> Plan:
    """A single-period plan from the options opened (``y``, at their largest size) and the
    placement :func:`.preprocess.transport` priced for them over ``arcs``."""
    _, flow_sel, unplaced = priced
    flow = np.zeros(problem.arcs.count)
    flow[arcs] = flow_sel
    o = problem.options
    period = np.where(y, 0, -1)
    size = np.where(y, np.where(o.capacitated, o.max_size, np.inf), np.nan)
    return Plan(flow, unplaced, period, size)


def as_plan(warm: Result | Plan | None) -> Plan | None:
    """A warm start as a plan (None for a result without one)."""
    if warm is None or isinstance(warm, Plan):
        return warm
    if not warm.has_plan:
        return None
    return Plan(warm.flow, warm.unplaced, warm.option_period, warm.option_size)


def plan_terms(problem: Problem, plan: Plan) -> dict[str, float]:
    """Each cost term of a plan, computed from the problem's data (not the solver's)."""
    o, pr, g, a = problem.options, problem.periods, problem.groups, problem.arcs
    opened = plan.option_period >= 0
    t = np.where(opened, plan.option_period, 0)
    size = np.where(opened & o.capacitated, np.nan_to_num(plan.option_size, posinf=0.0), 0.0)
    remaining = pr.remaining_weight
    cw = pr.capital_weight[t]
    fb = np.isfinite(g.fallback_cost)
    return {
        "capital_fixed": float((cw * o.fixed_cost)[opened].sum()),
        "capital_places": float((cw * o.cost_per_place * size)[opened].sum()),
        "annual_places": float(
            (o.place_weight(pr)[np.arange(o.count), t] * o.annual_cost_per_place * size)[opened].sum()
        ),
        "annual_fixed": float((remaining[t] * o.annual_fixed_cost)[opened].sum()),
        "arcs": float((problem.arc_weight() * a.cost * plan.flow).sum()),
        "fallback": float((g.weight(pr) * np.where(fb, g.fallback_cost, 0.0) * plan.unplaced)[fb].sum()),
    }


def plan_objective(problem: Problem, plan: Plan) -> float:
    return sum(plan_terms(problem, plan).values())


def result_of_plan(
    problem: Problem,
    plan: Plan,
    *,
    bound: float,
    status_reason: str,
    started: float,
    solver: str,
    size: dict[str, int],
    stages: dict[str, float],
    relative_gap_asked: float,
    limit: str | None = None,
) -> Result:
    """The result of a plan and its bound: priced from the problem's data, and optimal when
    the gap is within :attr:`.Tuning.optimal_gap`, whichever strategy found it."""
    t0 = time.perf_counter()
    terms = plan_terms(problem, plan)
    objective = sum(terms.values())
    gap = relative_gap(objective, bound)
    if gap <= TUNING.optimal_gap:
        status = Status.OPTIMAL
    elif status_reason == "optimal" or gap <= relative_gap_asked:
        status = Status.FEASIBLE
    elif limit == "time":
        status = Status.TIME_LIMIT
    else:
        status = Status.FEASIBLE
    opened = plan.option_period >= 0
    stages["read"] = time.perf_counter() - t0
    seconds = time.perf_counter() - started
    log.info(
        "solved in %.2f s: %s, objective %.10g, bound %.10g, gap %.4f%%", seconds, status, objective, bound, 100 * gap
    )
    return Result(
        status=status,
        objective=objective,
        best_bound=bound,
        gap=gap,
        seconds=seconds,
        solver=solver,
        model_size=size,
        terms=terms,
        option_open=opened,
        option_period=plan.option_period,
        option_size=plan.option_size,
        flow=plan.flow,
        unplaced=plan.unplaced,
        stages=stages,
        problem=problem,
    )


def result_without_plan(
    problem: Problem,
    reason: Termination,
    limit: str | None,
    *,
    detail: str,
    bound: float,
    started: float,
    solver: str,
    size: dict[str, int],
    stages: dict[str, float],
) -> Result:
    """The result of a solve that ended with no plan, its status from the solver's
    termination (:func:`.result.status_without_plan`)."""
    status = status_without_plan(reason, limit)
    return empty_result(
        problem,
        status,
        seconds=time.perf_counter() - started,
        solver=solver,
        message=PROVEN_INFEASIBLE if status == Status.INFEASIBLE else detail,
        bound=bound,
        model_size=size,
        stages=stages,
    )
