"""Solve a built model and read the plan back: :func:`solve`.

Stages (each logged with its time and reported to ``progress``):

1. ``check``: prove infeasibility cheaply (:func:`preprocess.shortfalls`) and stop with the
   groups that cannot be placed;
2. ``lagrangian`` (single-period, fixed-size problems such as CFLP and p-median,
   :mod:`.lagrangian_stage`): a Lagrangian bound, a first plan, exact reduced-cost fixing
   and, without budgets, a branch and bound that usually proves the optimum itself; if
   the bound proves the plan optimal, stop. Where every cost, demand and capacity is a
   whole number, so is the optimum: bounds are rounded up and only plans a whole unit
   better are searched for. Problems with several periods, sizes or budgets take
   :mod:`.lpfix`'s LP bound, dive and reduced-cost fixing instead;
3. ``solve``: the MIP of what is left, warm-started with the best plan, on SCIP, HiGHS or
   CP-SAT through OR-Tools MathOpt, also where the branch and bound ran out of nodes or
   time: it hands over its best plan and bound;
4. ``read``: the plan as arrays aligned with the problem (:mod:`.plans`: flows per arc,
   unplaced per group, options opened with period and size) and each cost term, priced
   from the problem's data whichever stage found it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time

import numpy as np

from ..solvers import DEFAULT_CORE_SOLVER
from . import backend, lagrange, lpfix
from .backend import Progress
from .core import Problem
from .formulation import Model, build_model
from .lagrangian_stage import lagrangian_stage
from .plans import (
    Plan,
    as_plan,
    plan_from_values,
    plan_objective,
    result_of_plan,
    result_without_plan,
    values_from_plan,
)
from .preprocess import shortfalls, status_quo_plan
from .result import Result, Status, empty_result
from .tuning import TUNING, is_cheaper

log = logging.getLogger(__name__)

#: The core's solver when none is named (the pipeline's default is the scenario's).
DEFAULT_SOLVER = DEFAULT_CORE_SOLVER


def solve(
    model: Model | Problem,
    *,
    solver: str = DEFAULT_SOLVER,
    time_limit: float | None = None,
    relative_gap: float = 0.0,
    threads: int = 1,
    warm_start: Result | Plan | None = None,
    progress: Progress | None = None,
    strategy: str = "auto",
    seed: int = 0,
    verbose: bool = False,
    search: bool = True,
) -> Result:
    """Solve ``model`` (or build one from a problem) and return a frozen :class:`Result`.

    ``strategy="auto"`` runs the stages above; ``"direct"`` hands exactly this model to the
    solver. ``time_limit`` (seconds) bounds the whole call; when it stops the solve the
    result has status ``time_limit`` with the best plan found, its bound and gap. When it
    stops the solve before any plan is found, and the rules admit opening nothing (the
    fallback allowed, nothing forced), that plan is returned (:func:`status_quo_plan`):
    a short time limit still gives a plan, never "no plan found".
    ``threads`` defaults to 1 so the same inputs always give the same plan.
    ``search=False`` stops the LP strategy (several periods, sizes or budgets) at its first
    plan, the dive's, with the LP bound's gap: the plan then depends on no clock (within
    any time limit the dive itself needs), only on the model.
    """
    started = time.perf_counter()
    if isinstance(model, Problem):
        model = build_model(model)
    result = _solve(
        model,
        solver=solver,
        time_limit=time_limit,
        relative_gap=relative_gap,
        threads=threads,
        warm_start=warm_start,
        progress=progress,
        strategy=strategy,
        seed=seed,
        verbose=verbose,
        search=search,
    )
    if result.has_plan or result.status != Status.TIME_LIMIT:
        return result
    found = status_quo_plan(model.problem)
    if found is None:
        return result
    flow, unplaced = found
    options = model.problem.options
    plan = Plan(flow, unplaced, np.full(options.count, -1), np.full(options.count, np.nan))
    bound = result.best_bound if math.isfinite(result.best_bound) else _trivial_bound(model.problem)
    log.info("time ran out before a plan was found: returning the plan that opens nothing")
    return dataclasses.replace(
        result_of_plan(
            model.problem,
            plan,
            bound=bound,
            status_reason="time_limit",
            limit="time",
            started=started,
            solver=result.solver,
            size=result.model_size,
            stages=dict(result.stages),
            relative_gap_asked=relative_gap,
        ),
        message="the time ran out before the solver found a plan: this is the plan that opens nothing "
        "(existing places, then independent or out-of-area places)",
    )


def _trivial_bound(problem: Problem) -> float:
    """A bound every plan meets without solving: 0 when no cost can be negative."""
    costs = (
        problem.arcs.cost,
        problem.options.fixed_cost,
        problem.options.cost_per_place,
        problem.options.annual_cost_per_place,
        problem.options.annual_fixed_cost,
        problem.groups.fallback_cost,
    )
    return 0.0 if all(np.all(np.nan_to_num(c, posinf=0.0) >= 0) for c in costs) else -math.inf


def _solve(
    model: Model,
    *,
    solver: str,
    time_limit: float | None,
    relative_gap: float,
    threads: int,
    warm_start: Result | Plan | None,
    progress: Progress | None,
    strategy: str,
    seed: int,
    verbose: bool,
    search: bool = True,
) -> Result:
    started = time.perf_counter()
    problem = model.problem
    stages: dict[str, float] = {}
    emit = progress or (lambda event: None)

    def left() -> float | None:
        return None if time_limit is None else max(0.05, time_limit - (time.perf_counter() - started))

    # 1. check
    t0 = time.perf_counter()
    short = shortfalls(problem)
    stages["check"] = time.perf_counter() - t0
    if short:
        result = empty_result(
            problem,
            Status.INFEASIBLE,
            seconds=time.perf_counter() - started,
            solver=solver,
            shortfalls=tuple(short),
            model_size=model.size(),
            stages=stages,
        )
        log.info("infeasible before solving: %d shortfalls", len(short))
        emit({"stage": "check", "status": "infeasible", "seconds": stages["check"]})
        return dataclasses.replace(result, message=result.explain())
    emit({"stage": "check", "status": "ok", "seconds": stages["check"]})

    warm = as_plan(warm_start)
    final_model, hint_plan, lag_bound, upper = model, warm, -math.inf, math.inf
    if warm is not None:
        upper = plan_objective(problem, warm)

    # 2. lagrangian bound, heuristic, fixing and branch and bound
    if strategy == "auto" and lagrange.applicable(problem):
        t0 = time.perf_counter()
        stage = lagrangian_stage(
            problem,
            warm=warm,
            upper=upper,
            time_limit=left(),
            relative_gap=relative_gap,
            solver=solver,
            threads=threads,
            seed=seed,
        )
        stages["lagrangian"] = time.perf_counter() - t0
        lag_bound = stage.bound
        if stage.plan is not None:
            hint_plan, upper = stage.plan, plan_objective(problem, stage.plan)
        emit(
            {
                "stage": "lagrangian",
                "bound": lag_bound,
                "incumbent": upper,
                "seconds": stages["lagrangian"],
                "fixed_closed": int(stage.closed.sum()),
                "fixed_open": int(stage.opened.sum()),
                "nodes": stage.nodes,
            }
        )
        if hint_plan is not None and upper - lag_bound <= max(relative_gap, TUNING.optimal_gap) * abs(upper):
            return result_of_plan(
                problem,
                hint_plan,
                bound=lag_bound,
                status_reason="optimal",
                started=started,
                solver="lagrangian",
                size=model.size(),
                stages=stages,
                relative_gap_asked=relative_gap,
            )
        options = problem.options
        reduced = dataclasses.replace(
            problem,
            options=dataclasses.replace(
                options, excluded=options.excluded | stage.closed, forced=options.forced | stage.opened
            ),
        )
        final_model = build_model(reduced)
        log.info(
            "reduced model: %d of %d options left free",
            int((~reduced.options.excluded & ~reduced.options.forced).sum()),
            options.count,
        )
    elif strategy == "auto" and problem.options.count:
        # several periods, sizes or budgets: LP bound, dive and reduced-cost fixing
        return _lp_stage(
            problem,
            warm=hint_plan,
            solver=solver,
            time_limit=left(),
            relative_gap=relative_gap,
            threads=threads,
            seed=seed,
            progress=progress,
            started=started,
            stages=stages,
            search=search,
        )

    # 3. solve
    t0 = time.perf_counter()
    hint = values_from_plan(final_model, hint_plan) if hint_plan is not None else None
    raw = backend.run(
        final_model,
        solver=solver,
        time_limit=left(),
        relative_gap=max(relative_gap, TUNING.solver_gap),
        threads=threads,
        seed=seed,
        hint=hint,
        progress=progress,
        verbose=verbose,
    )
    stages["solve"] = time.perf_counter() - t0
    log.info(
        "%s: %s in %.2f s, objective %.10g, bound %.10g", solver, raw.reason, raw.seconds, raw.objective, raw.bound
    )

    # 4. read back
    plan = plan_from_values(final_model, raw.values) if raw.values is not None else None
    objective = plan_objective(problem, plan) if plan is not None else math.inf
    if hint_plan is not None and is_cheaper(upper, objective):
        plan, objective = hint_plan, upper
    if plan is None:
        return result_without_plan(
            problem,
            raw.reason,
            raw.limit,
            detail=raw.detail,
            bound=raw.bound,
            started=started,
            solver=solver,
            size=final_model.size(),
            stages=stages,
        )
    bound = raw.bound if raw.reason not in ("infeasible", "cutoff") else objective
    bound = max(lag_bound, min(bound, objective))
    return result_of_plan(
        problem,
        plan,
        bound=bound,
        status_reason=raw.reason,
        limit=raw.limit,
        started=started,
        solver=solver,
        size=final_model.size(),
        stages=stages,
        relative_gap_asked=relative_gap,
    )


def _lp_stage(
    problem: Problem,
    *,
    warm: Plan | None,
    solver: str,
    time_limit: float | None,
    relative_gap: float,
    threads: int,
    seed: int,
    progress: Progress | None,
    started: float,
    stages: dict[str, float],
    search: bool = True,
) -> Result:
    """:mod:`lpfix`'s strategy on the model without strong linking rows."""
    model = lpfix.without_linking(problem)
    hint = values_from_plan(model, warm) if warm is not None else None
    outcome = lpfix.solve_by_lp(
        model,
        solver=solver,
        time_limit=time_limit,
        relative_gap=relative_gap,
        threads=threads,
        seed=seed,
        hint=hint,
        progress=progress,
        search=search,
    )
    stages.update(outcome.stages)
    if outcome.values is None:
        return result_without_plan(
            problem,
            outcome.reason,
            outcome.limit,
            detail=f"the solver ended with {outcome.reason}",
            bound=outcome.bound,
            started=started,
            solver=solver,
            size=model.size(),
            stages=stages,
        )
    plan = plan_from_values(model, outcome.values)
    return result_of_plan(
        problem,
        plan,
        bound=outcome.bound,
        status_reason=outcome.reason,
        limit=outcome.limit,
        started=started,
        solver=solver,
        size=model.size(),
        stages=stages,
        relative_gap_asked=relative_gap,
    )
