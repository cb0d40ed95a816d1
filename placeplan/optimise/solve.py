"""Solve a built model and read the plan back: :func:`solve`.

Stages (each logged with its time and reported to ``progress``):

1. ``check``: prove infeasibility cheaply (:func:`preprocess.shortfalls`) and stop with the
   groups that cannot be placed;
2. ``lagrangian`` (single-period, fixed-size problems such as CFLP and p-median): a
   Lagrangian bound, a Lagrangian heuristic for a first plan (taken to a local optimum by
   vertex substitution, :mod:`.interchange`, where nothing is capacitated), and
   reduced-cost fixing that closes (and drops the arcs of) every option no better plan
   can open; then, without budgets, a branch and bound over the options left free with
   Lagrangian bounds (:mod:`.branch`), which usually proves the optimum itself (with
   budgets, a local search improves the first plan instead); if the bound proves the
   plan optimal, stop. Where every cost, demand and capacity is a whole number, so is the
   optimum: bounds are rounded up and only plans a whole unit better are searched for;
3. ``solve``: the MIP of what is left, warm-started with the best plan, on SCIP, HiGHS or
   CP-SAT through OR-Tools MathOpt, also where the branch and bound ran out of nodes or
   time: it hands over its best plan and bound. (With whole-number costs, after 200 nodes
   the search asks the MIP solver once, for a few seconds, for a plan and a bound on the
   model its root's fixing left: that ends a search stalled one unit short of the
   optimum, as on pmed30.);
4. ``read``: the plan as arrays aligned with the problem (flows per arc, unplaced per
   group, options opened with period and size) and each cost term.

The fixing is exact: an option is fixed only when the Lagrangian bound with it flipped
exceeds a plan already in hand, so the reported optimum is the optimum of the full model.
So is the branch and bound: it closes a node only on a valid bound, and reports the least
bound it closed on.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from . import backend, branch, interchange, lagrange, lpfix
from .backend import Progress
from .core import Problem
from .formulation import Model, build_model, usable_arcs
from .preprocess import shortfalls, status_quo_plan, transport
from .result import PROVEN_INFEASIBLE, Result, Status, empty_result, relative_gap, status_without_plan
from .tuning import TUNING

log = logging.getLogger(__name__)

DEFAULT_SOLVER = "scip"


@dataclass(frozen=True)
class Plan:
    """A plan in the problem's own arrays."""

    flow: np.ndarray  # (A,)
    unplaced: np.ndarray  # (G,)
    option_period: np.ndarray  # (O,) -1: not opened
    option_size: np.ndarray  # (O,) NaN: not opened


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
        _result(
            model.problem,
            plan,
            bound=bound,
            status_reason="time_limit",
            limit="time",
            started=started,
            solver=result.solver,
            size=result.model_size,
            stages=dict(result.stages),
            relative_gap=relative_gap,
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

    warm = _as_plan(warm_start)
    final_model, hint_plan, lag_bound, upper = model, warm, -math.inf, math.inf
    if warm is not None:
        upper = _plan_objective(problem, warm)

    # 2. lagrangian bound, heuristic, fixing and branch and bound
    if strategy == "auto" and lagrange.applicable(problem):
        t0 = time.perf_counter()
        stage = _lagrangian_stage(
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
            hint_plan, upper = stage.plan, _plan_objective(problem, stage.plan)
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
            return _result(
                problem,
                hint_plan,
                bound=lag_bound,
                status_reason="optimal",
                started=started,
                solver="lagrangian",
                size=model.size(),
                stages=stages,
                relative_gap=relative_gap,
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
    objective = _plan_objective(problem, plan) if plan is not None else math.inf
    if hint_plan is not None and upper < objective - 1e-9 * abs(upper):
        plan, objective = hint_plan, upper
    if plan is None:
        status = status_without_plan(raw.reason, raw.limit)
        message = PROVEN_INFEASIBLE if status == Status.INFEASIBLE else raw.detail
        return empty_result(
            problem,
            status,
            seconds=time.perf_counter() - started,
            solver=solver,
            message=message,
            bound=raw.bound,
            model_size=final_model.size(),
            stages=stages,
        )
    bound = raw.bound if raw.reason not in ("infeasible", "cutoff") else objective
    bound = max(lag_bound, min(bound, objective))
    return _result(
        problem,
        plan,
        bound=bound,
        status_reason=raw.reason,
        limit=raw.limit,
        started=started,
        solver=solver,
        size=final_model.size(),
        stages=stages,
        relative_gap=relative_gap,
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
        status = status_without_plan(outcome.reason, outcome.limit)
        message = PROVEN_INFEASIBLE if status == Status.INFEASIBLE else f"the solver ended with {outcome.reason}"
        return empty_result(
            problem,
            status,
            seconds=time.perf_counter() - started,
            solver=solver,
            message=message,
            bound=outcome.bound,
            model_size=model.size(),
            stages=stages,
        )
    plan = plan_from_values(model, outcome.values)
    return _result(
        problem,
        plan,
        bound=outcome.bound,
        status_reason=outcome.reason,
        limit=outcome.limit,
        started=started,
        solver=solver,
        size=model.size(),
        stages=stages,
        relative_gap=relative_gap,
    )


@dataclass(frozen=True)
class _Stage:
    """What the Lagrangian stage proves: a bound, the best plan, options fixed for the MIP."""

    bound: float
    plan: Plan | None
    closed: np.ndarray
    opened: np.ndarray
    nodes: int


def _lagrangian_stage(
    problem: Problem,
    *,
    warm: Plan | None,
    upper: float,
    time_limit: float | None,
    relative_gap: float,
    solver: str,
    threads: int,
    seed: int,
) -> _Stage:
    """Lagrangian bound and heuristic with reduced-cost fixing; then, without budgets, a
    branch and bound over the options left free, or else a local search for the MIP's
    first plan."""
    arcs = usable_arcs(problem)
    budget = 30.0 if time_limit is None else 0.3 * time_limit
    started = time.perf_counter()
    lag = lagrange.Lagrangian(problem, arcs)
    step = lagrange.objective_step(lag)
    outcome = lagrange.optimise(
        lag,
        upper=upper,
        step=step,
        time_limit=budget,
        incumbent=None if warm is None else warm.option_period >= 0,
    )
    best, upper, bound, nodes = outcome.incumbent, min(upper, outcome.upper), outcome.bound, 0
    rules = problem.rules
    # the Lagrangian ignores budgets, so with budgets the MIP solver finishes the job
    searchable = rules.capital_budget == math.inf and rules.capital_budget_per_period is None
    if best is not None and searchable and _unproven(bound, upper, step) and interchange.applicable(lag):
        y = interchange.interchange(lag, best)
        cost = lagrange.plan_cost(problem, lag, y)
        if cost < upper - 1e-9 * abs(upper):
            log.info("interchange: plan %.10g (was %.10g)", cost, upper)
            best, upper = y, cost
            outcome = _fixed_again(lag, outcome, lagrange.cutoff(upper, 0.0, step))
    if best is not None and not searchable:
        _, _, _, r, _ = lag.evaluate(outcome.multipliers)
        best, cost, _ = lagrange.improve(lag, best, upper, r, closed=outcome.fixed_closed, time_limit=0.5 * budget)
        if cost < upper - 1e-9 * abs(upper):
            upper = cost
            outcome = _fixed_again(lag, outcome, upper)
    if searchable and _unproven(bound, upper, step):
        root = time.perf_counter() - started
        left = TUNING.branch_seconds if time_limit is None else 0.8 * time_limit - root
        probe = (
            None
            if not step
            else _mip_probe(
                problem,
                outcome.fixed_closed,
                outcome.fixed_open,
                lagrange.cutoff(upper, 0.0, step),
                seconds=min(max(TUNING.probe_min_seconds, TUNING.probe_root_multiple * root), 0.5 * left),
                solver=solver,
                threads=threads,
                seed=seed,
            )
        )
        o = problem.options
        searched = branch.branch_and_bound(
            problem,
            lag,
            multipliers=outcome.multipliers,
            bound=bound,
            forced=o.forced | outcome.fixed_open,
            excluded=o.excluded | outcome.fixed_closed,
            upper=upper,
            incumbent=best,
            tolerance=max(relative_gap, TUNING.solver_gap),
            step=step,
            time_limit=max(left, 0.0),
            probe=probe,
            node_limit=int(
                min(TUNING.branch_nodes, max(100, TUNING.branch_multipliers // max(problem.groups.count, 1)))
            ),
        )
        bound, nodes = max(bound, searched.bound), searched.nodes
        if searched.upper < upper:
            best, upper = searched.incumbent, searched.upper
    bound = min(lagrange.round_bound(bound, step), max(bound, upper))
    plan = None
    if best is not None:
        priced = transport(problem, best, arcs=arcs)
        plan = None if priced is None else _plan_from_transport(problem, arcs, best, priced)
    return _Stage(bound, plan, outcome.fixed_closed, outcome.fixed_open, nodes)


def _unproven(bound: float, upper: float, step: float) -> bool:
    """Whether the bound leaves room for a plan better than ``upper`` (by more than the
    optimality gap, or by a whole unit when costs are whole numbers)."""
    return bound < lagrange.cutoff(upper, TUNING.optimal_gap, step)


def _fixed_again(
    lag: lagrange.Lagrangian, outcome: lagrange.LagrangeOutcome, against: float
) -> lagrange.LagrangeOutcome:
    """The outcome with its options fixed again against a better plan's cost (cheap: the
    same multipliers, no new subgradient steps)."""
    closed, opened = lagrange.fix(lag, outcome.multipliers, against)
    return dataclasses.replace(outcome, fixed_closed=closed, fixed_open=opened)


def _mip_probe(
    problem: Problem,
    closed: np.ndarray,
    opened: np.ndarray,
    fixed_against: float,
    *,
    seconds: float,
    solver: str,
    threads: int,
    seed: int,
) -> branch.Probe:
    """The branch and bound's probe: the MIP of the model with the root's fixing, for
    ``seconds``. Any plan the fixing cut off costs more than ``fixed_against``, so the
    full problem's optimum is at least the lesser of that and the MIP's bound. Only a
    solve that ends within its time counts (one stopped by the clock could differ from run
    to run, and the plan must not)."""
    o = problem.options
    reduced = dataclasses.replace(
        problem, options=dataclasses.replace(o, excluded=o.excluded | closed, forced=o.forced | opened)
    )

    def ask() -> tuple[np.ndarray | None, float]:
        model = build_model(reduced)
        raw = backend.run(
            model,
            solver=solver,
            time_limit=max(seconds, 0.05),
            relative_gap=TUNING.solver_gap,
            threads=threads,
            seed=seed,
        )
        log.info(
            "probe: %s %s in %.2f s, objective %.10g, bound %.10g",
            solver,
            raw.reason,
            raw.seconds,
            raw.objective,
            raw.bound,
        )
        if raw.reason == "infeasible":
            return None, fixed_against
        if raw.reason != "optimal" or raw.values is None:
            return None, -math.inf
        return plan_from_values(model, raw.values).option_period >= 0, min(raw.bound, fixed_against)

    return branch.Probe(TUNING.probe_nodes, ask)


def _result(
    problem: Problem,
    plan: Plan,
    *,
    bound: float,
    status_reason: str,
    started: float,
    solver: str,
    size: dict[str, int],
    stages: dict[str, float],
    relative_gap: float,
    limit: str | None = None,
) -> Result:
    t0 = time.perf_counter()
    terms = plan_terms(problem, plan)
    objective = sum(terms.values())
    gap = relative_gap_of(objective, bound)
    if gap <= TUNING.optimal_gap:
        status = Status.OPTIMAL
    elif status_reason == "optimal" or gap <= relative_gap:
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


relative_gap_of = relative_gap


# --- plans <-> model variables -------------------------------------------------------------


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


def _plan_from_transport(
    problem: Problem, arcs: np.ndarray, y: np.ndarray, priced: tuple[float, np.ndarray, np.ndarray]
) -> Plan:
    _, flow_sel, unplaced = priced
    flow = np.zeros(problem.arcs.count)
    flow[arcs] = flow_sel
    o = problem.options
    period = np.where(y, 0, -1)
    size = np.where(y, np.where(o.capacitated, o.max_size, np.inf), np.nan)
    return Plan(flow, unplaced, period, size)


def _as_plan(warm: Result | Plan | None) -> Plan | None:
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


def _plan_objective(problem: Problem, plan: Plan) -> float:
    return sum(plan_terms(problem, plan).values())
