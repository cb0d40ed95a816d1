"""The Lagrangian stage of :func:`.solve.solve`, for single-period, fixed-size problems (CFLP,
p-median): a Lagrangian bound, a Lagrangian heuristic for a first plan (taken to a local
optimum by vertex substitution, :mod:`.interchange`, where nothing is capacitated, and by
a local search priced by min-cost flows where something is), and reduced-cost fixing that
closes every option, and with whole-number costs drops every arc, no better plan can use;
then, without budgets, a branch and bound over the options left free (:mod:`.branch`) with
a MIP probe on what the fixing left, or with budgets the MIP solver from the improved plan.

The fixing is exact: an option or arc is fixed only when the Lagrangian bound with it
flipped exceeds a plan already in hand, so what the MIP solver is left with has the full
model's optimum. So is the branch and bound: it closes a node only on a valid bound.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from . import backend, branch, interchange, lagrange
from .core import Problem
from .formulation import Model, build_model, usable_arcs
from .plans import Plan, plan_from_transport, plan_from_values
from .preprocess import transport
from .tuning import TUNING, is_cheaper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    """What the Lagrangian stage proves: a bound, the best plan, options fixed for the MIP."""

    bound: float
    plan: Plan | None
    closed: np.ndarray
    opened: np.ndarray
    nodes: int


def lagrangian_stage(
    problem: Problem,
    *,
    warm: Plan | None,
    upper: float,
    time_limit: float | None,
    relative_gap: float,
    solver: str,
    threads: int,
    seed: int,
) -> Stage:
    """Lagrangian bound and heuristic with reduced-cost fixing; then, without budgets, a
    branch and bound over the options left free, or else a local search for the MIP's
    first plan."""
    arcs = usable_arcs(problem)
    budget = TUNING.lagrangian_seconds if time_limit is None else TUNING.lagrangian_share * time_limit
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
        if is_cheaper(cost, upper):
            log.info("interchange: plan %.10g (was %.10g)", cost, upper)
            best, upper = y, cost
            outcome = _fixed_again(lag, outcome, lagrange.cutoff(upper, 0.0, step))
    tight = searchable and bool(step) and not interchange.applicable(lag) and _tight(problem)
    mip_plan = False  # whether a guess's MIP found a plan: the one in hand is at least as good
    if tight and _unproven(bound, upper, step):
        guessed = _guess_the_gap(
            problem,
            lag,
            outcome.multipliers,
            bound,
            lagrange.cutoff(upper, 0.0, step),
            seconds=TUNING.guess_seconds
            if time_limit is None
            else min(TUNING.guess_seconds, TUNING.probe_share * time_limit),
            solver=solver,
            threads=threads,
            seed=seed,
        )
        bound = max(bound, guessed.bound)
        mip_plan = guessed.plan is not None
        if guessed.plan is not None:
            cost = lagrange.plan_cost(problem, lag, guessed.plan)
            if is_cheaper(cost, upper):
                best, upper = guessed.plan, cost
                outcome = _fixed_again(lag, outcome, lagrange.cutoff(upper, 0.0, step))
    # with capacities (no vertex substitution) or budgets, a local search priced by
    # min-cost flows: the Lagrangian choice alone is far from the optimum there (pmed5
    # capacitated: 1998 against 1580), and the fixing that follows is only as good as it.
    # Not around a guess's plan, the best of every plan on its arcs (capacitated pmed10:
    # 1.2 s for no better plan)
    capacitated = searchable and not interchange.applicable(lag) and _unproven(bound, upper, step)
    tight = tight and capacitated
    if best is not None and (not searchable or capacitated) and not mip_plan:
        reduced_costs = lag.evaluate(outcome.multipliers).reduced
        best, cost, _ = lagrange.improve(
            lag,
            best,
            upper,
            reduced_costs,
            closed=outcome.fixed_closed,
            evaluations=TUNING.improve_evaluations,
        )
        if is_cheaper(cost, upper):
            log.info("local search: plan %.10g (was %.10g)", cost, upper)
            upper = cost
            outcome = _fixed_again(lag, outcome, lagrange.cutoff(upper, 0.0, step))
    if searchable and _unproven(bound, upper, step):
        kept = _arcs_kept(lag, outcome.multipliers, lagrange.cutoff(upper, 0.0, step)) if step else arcs
        # every plan the search could still find uses only these arcs: both the search
        # and the probe work on them alone (pmed5 capacitated: 701 of 10,000)
        searched_lag = lag if len(kept) == len(arcs) else lagrange.Lagrangian(problem, kept)
        root = time.perf_counter() - started
        left = TUNING.branch_seconds if time_limit is None else TUNING.branch_share * time_limit - root
        probe = (
            None
            if not step
            or (capacitated and _loose(problem))
            or len(kept) > TUNING.probe_arcs_per_group * problem.groups.count
            else _mip_probe(
                problem,
                outcome.fixed_closed,
                outcome.fixed_open,
                kept,
                lagrange.cutoff(upper, 0.0, step),
                seconds=min(
                    max(TUNING.probe_min_seconds, TUNING.probe_root_multiple * root), TUNING.probe_share * left
                ),
                after=0 if tight else TUNING.probe_nodes,
                solver=solver,
                threads=threads,
                seed=seed,
            )
        )
        o = problem.options
        searched = branch.branch_and_bound(
            problem,
            searched_lag,
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
        plan = None if priced is None else plan_from_transport(problem, arcs, best, priced)
    return Stage(bound, plan, outcome.fixed_closed, outcome.fixed_open, nodes)


@dataclass(frozen=True)
class Guessed:
    """What guessing the gap proved: a lower bound, and the plan (options open) of the
    last guess's MIP, if it found one."""

    bound: float
    plan: np.ndarray | None


def _guess_the_gap(
    problem: Problem,
    lag: lagrange.Lagrangian,
    multipliers: np.ndarray,
    bound: float,
    cutoff: float,
    *,
    seconds: float,
    solver: str,
    threads: int,
    seed: int,
) -> Guessed:
    """Guess that the optimum is within a small share of the bound (whole-number data):
    fix the options and arcs against the guess and solve the MIP of what is left. Every
    plan costing at most the guess uses only what is left, so the MIP's optimum, if it is
    within the guess, is the optimum; if it is not, or there is no plan, the optimum is
    above the guess, a new bound, and the next, larger guess is tried. Guessing stops at a
    guess the plan in hand (``cutoff``) already beats, where the fixing leaves too many
    arcs for the MIP, where it leaves nearly as many arcs as the fixing against the plan in
    hand (:attr:`Tuning.guess_arc_share`: the probe then does the same work and proves
    more), or at a MIP stopped by its ``seconds`` (whose answer would depend on the clock,
    so it is not used). Capacitated pmed5: no plan within 0.5%, 1580 within 1%,
    on a few hundred arcs, where the branch and bound needs thousands of nodes."""
    proven, plan, against = bound, None, cutoff
    limit = TUNING.probe_arcs_per_group * problem.groups.count
    final = _final_arcs(lag, multipliers, against)
    for share in TUNING.guessed_gaps:
        guess = bound + share * abs(bound)
        if guess >= against:
            break
        closed, opened = lagrange.fix(lag, multipliers, guess)
        kept = _arcs_kept(lag, multipliers, guess)
        if len(kept) > limit:
            break
        # with a plan whose own MIP is small enough for the probe, a guess leaving nearly
        # as many arcs costs what the probe costs and proves less
        settles = final <= limit
        if settles and len(kept) >= TUNING.guess_arc_share * final:
            break
        model = _fixed_model(problem, closed, opened, kept)
        # the guess as the solver's cutoff once the plan in hand can finish the job: a guess
        # that fails is then settled by the bound alone (capacitated pmed10, 0.5%: 0.15 s,
        # against 4.2 s to the plan above it); before, the guess's MIP is what finds a plan
        raw = backend.run(
            model,
            solver=solver,
            time_limit=seconds,
            relative_gap=TUNING.solver_gap,
            threads=threads,
            seed=seed,
            cutoff=guess if settles else None,
        )
        log.info(
            "guess: optimum within %.2f%% (%.10g)? %s %s in %.2f s on %d arcs, objective %.10g",
            100 * share,
            guess,
            solver,
            raw.reason,
            raw.seconds,
            len(kept),
            raw.objective,
        )
        if raw.reason in ("infeasible", "cutoff"):
            proven = max(proven, guess)
            continue
        if raw.reason != "optimal" or raw.values is None:
            break
        plan = plan_from_values(model, raw.values).option_period >= 0
        # the solver's own bound, not its plan's cost: "optimal" is within its gap
        solved = raw.bound if math.isfinite(raw.bound) else -math.inf
        if raw.objective <= guess + 1e-9 * abs(guess):
            return Guessed(max(proven, min(solved, raw.objective)), plan)
        proven = max(proven, min(guess, solved))
        if proven >= lagrange.cutoff(raw.objective, TUNING.optimal_gap, 1.0):
            return Guessed(proven, plan)  # no plan within the guess, and this one is a unit above it
        if raw.objective < against:
            against = lagrange.cutoff(raw.objective, 0.0, 1.0)
            final = _final_arcs(lag, multipliers, against)
    return Guessed(proven, plan)


def _final_arcs(lag: lagrange.Lagrangian, multipliers: np.ndarray, against: float) -> float:
    """How many arcs the fixing against the plan in hand leaves (inf without a plan)."""
    return float(lagrange.fix_arcs(lag, multipliers, against).sum()) if math.isfinite(against) else math.inf


def _units_per_option(problem: Problem) -> float | None:
    """The units to place per option the count rule opens (None without a count rule)."""
    rules = problem.rules
    count = rules.exact_options if rules.exact_options is not None else rules.max_options
    return float(problem.groups.demand.sum()) / count if count else None


def _tight(problem: Problem) -> bool:
    """Whether each option to open serves few units (at most
    :attr:`Tuning.probe_first_units`): with capacities, the MIP solver's cuts close such a
    problem's gap faster than branching on the options, so the stage guesses the gap and
    the search asks its probe at the root rather than after its first nodes."""
    units = _units_per_option(problem)
    return units is not None and units <= TUNING.probe_first_units


def _loose(problem: Problem) -> bool:
    """Whether each option to open serves more units than :attr:`Tuning.probe_first_units`:
    with capacities, the branch and bound then finishes sooner without the probe."""
    units = _units_per_option(problem)
    return units is not None and units > TUNING.probe_first_units


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


def _arcs_kept(lag: lagrange.Lagrangian, multipliers: np.ndarray, against: float) -> np.ndarray:
    """The arcs (indices into the problem's) a plan cheaper than ``against`` may use."""
    keep = lagrange.fix_arcs(lag, multipliers, against)
    kept = np.sort(lag.arcs[lag.order[keep]])
    log.info("arc fixing: %d of %d arcs left", len(kept), len(lag.arcs))
    return kept


def _fixed_model(problem: Problem, closed: np.ndarray, opened: np.ndarray, arcs: np.ndarray) -> Model:
    """The model of ``problem`` with the options ``closed`` and ``opened`` fixed, over the
    usable ones of ``arcs`` alone (what reduced-cost fixing leaves to a MIP solver)."""
    o = problem.options
    reduced = dataclasses.replace(
        problem, options=dataclasses.replace(o, excluded=o.excluded | closed, forced=o.forced | opened)
    )
    return build_model(reduced, arcs=np.intersect1d(arcs, usable_arcs(reduced)))


def _mip_probe(
    problem: Problem,
    closed: np.ndarray,
    opened: np.ndarray,
    arcs: np.ndarray,
    fixed_against: float,
    *,
    seconds: float,
    after: int,
    solver: str,
    threads: int,
    seed: int,
) -> branch.Probe:
    """The branch and bound's probe: the MIP of the model with the root's fixing, for
    ``seconds``, over ``arcs`` alone. Any plan the fixing cut off costs more than ``fixed_against``, so the
    full problem's optimum is at least the lesser of that and the MIP's bound. Only a
    solve that ends within its time counts (one stopped by the clock could differ from run
    to run, and the plan must not)."""

    def ask() -> tuple[np.ndarray | None, float]:
        model = _fixed_model(problem, closed, opened, arcs)
        raw = backend.run(
            model,
            solver=solver,
            time_limit=max(seconds, 0.05),
            relative_gap=TUNING.solver_gap,
            threads=threads,
            seed=seed,
            cutoff=fixed_against,
        )
        log.info(
            "probe: %s %s in %.2f s, objective %.10g, bound %.10g",
            solver,
            raw.reason,
            raw.seconds,
            raw.objective,
            raw.bound,
        )
        if raw.reason in ("infeasible", "cutoff"):
            return None, fixed_against
        if raw.reason != "optimal" or raw.values is None:
            return None, -math.inf
        return plan_from_values(model, raw.values).option_period >= 0, min(raw.bound, fixed_against)

    return branch.Probe(after, ask)
