"""LP relaxation, a dive for a first plan, and reduced-cost fixing: the strategy for
problems the Lagrangian stage does not cover (several periods, sizes, budgets).

1. Solve the LP relaxation (without the strong linking rows, which for sized options in
   several periods double the LP and barely move its bound): its objective bounds every
   plan from below.
2. Dive: keep every opening the LP makes whole, close every option it leaves shut, and
   solve the small MIP over the openings it leaves fractional. Placement LPs are nearly
   integral, so this plan is usually within a hair of the bound. (If the dive has no plan,
   the options the LP opens at all are tried instead.)
3. Reduced-cost fixing: an opening variable at zero in the LP whose reduced cost exceeds
   (plan - bound) cannot be 1 in any plan better than the one in hand, so it is fixed to 0.
   This is exact: the full problem's optimum is unchanged.
4. The full model, with those fixings and warm-started from the plan, proves the optimum
   or narrows the gap until the time runs out. Without the search (``search=False``) the
   dive is LPs alone (:func:`lp_dive`: openings rounded to the end, then sizes) and its plan
   is the answer, with its gap to the LP bound: a count of LPs, not a clock, has then
   decided it (a sweep of every council uses this, so that no council's figures depend on
   how busy the machine was; the MIP of step 2 stopped at the time limit on 22 of 152
   councils, and under load one published a plan that opens nothing).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from . import backend
from .core import Problem
from .formulation import Model, build_model
from .relaxation import Relaxation
from .tuning import TUNING

log = logging.getLogger(__name__)

#: The LP solver of the relaxation, the dive's rounding and polishing (:mod:`.relaxation`):
#: HiGHS's simplex solves these LPs 2.3 times (Kingston and Richmond: 1.0 s against GLOP's
#: 2.4 s) to 8 times (Sheffield: 2.8 s against 22 s) faster than GLOP, at the same optimum,
#: and after a change of bounds starts again from its last basis.
LP_SOLVER = "highs"


def lp_support(model: Model, values: np.ndarray) -> np.ndarray:
    """Options the LP opens in some period, even fractionally."""
    z = values[model.families["z"]]
    support = np.zeros(model.problem.options.count, dtype=bool)
    support[model.option_of_z[z > TUNING.support_tolerance]] = True
    return support | model.problem.options.forced


def fix_by_reduced_cost(model: Model, lp: backend.RawSolution, upper_bound: float) -> tuple[np.ndarray, int]:
    """Upper bounds with every opening (and its size) variable fixed to 0 whose reduced cost
    proves it cannot be in a plan cheaper than ``upper_bound``."""
    upper = model.upper.copy()
    if lp.reduced_costs is None or not math.isfinite(upper_bound):
        return upper, 0
    assert lp.values is not None  # the LP solved to optimality
    z = model.families["z"]
    values, reduced = lp.values[z], lp.reduced_costs[z]
    slack = upper_bound - lp.objective
    # A safety margin for floating point: never fix on a reduced cost within noise of the slack.
    fix = (values <= TUNING.support_tolerance) & (reduced > slack + TUNING.float_tolerance * max(1.0, abs(upper_bound)))
    fix &= model.lower[z] == 0
    upper[z.start + np.flatnonzero(fix)] = 0.0
    upper[model.families["k"].start + np.flatnonzero(fix[model.z_of_k])] = 0.0
    return upper, int(fix.sum())


def without_linking(problem: Problem) -> Model:
    """The model without the strong linking rows: for several periods and sized options
    they double the LP's size and move its bound very little."""
    return build_model(problem, linking=False)


@dataclass(frozen=True)
class Outcome:
    values: np.ndarray | None  # best solution of ``model`` found (None: none)
    objective: float
    bound: float
    reason: backend.Termination  # the last solver call's
    limit: str | None
    stages: dict[str, float]


def dive_bounds(model: Model, lp: backend.RawSolution) -> tuple[np.ndarray, np.ndarray]:
    """Bounds that keep the LP's whole openings and close the options it leaves shut."""
    lower, upper = model.lower.copy(), model.upper.copy()
    z = model.families["z"]
    assert lp.values is not None  # the LP solved to optimality
    values = lp.values[z]
    lower[z.start + np.flatnonzero(values >= 1 - TUNING.support_tolerance)] = 1.0
    shut = values <= TUNING.support_tolerance
    upper[z.start + np.flatnonzero(shut)] = 0.0
    upper[model.families["k"].start + np.flatnonzero(shut[model.z_of_k])] = 0.0
    return lower, np.maximum(lower, upper)


def round_and_fix(
    relaxation: Relaxation,
    lp: backend.RawSolution,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    rounds: int = TUNING.dive_rounds,
    deadline: float | None = None,
    basis=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Open the options the LP opens most and solve the LP again, until no opening is
    fractional (or after ``rounds`` LPs): bounds for a MIP left with sizes (and whatever
    is still fractional) only. Each round opens every opening at a half or more, or else
    the largest one. The ``deadline`` (a time.perf_counter value) is a safety for short
    time limits only, and says so when it ends the rounding: the plan then depends on the
    machine's speed. The first LP starts from ``basis`` (the relaxation's last one if None),
    each later one from the LP before it."""
    model = relaxation.model
    z = model.families["z"]
    values = lp.values
    assert values is not None  # the LP solved to optimality
    for done in range(rounds):
        if deadline is not None and time.perf_counter() > deadline:
            log.warning(
                "dive: rounding stopped by the time limit after %d LPs: the plan depends on the "
                "machine's speed (give more time for a plan that does not)",
                done,
            )
            break
        free = lower[z] < upper[z]
        share = np.where(free, values[z], 0.0)
        fractional = (share > TUNING.support_tolerance) & (share < 1 - TUNING.support_tolerance)
        if not fractional.any():
            log.info("dive: rounding ended after %d LPs", done)
            break
        picks = np.flatnonzero(fractional & (share >= 0.5))
        if not len(picks):
            picks = np.array([int(np.argmax(np.where(fractional, share, -1.0)))])
        trial = lower.copy()
        trial[z.start + picks] = 1.0
        relaxed = relaxation.solve(trial, upper, basis=basis)
        basis = None
        if relaxed.reason == "optimal" and relaxed.values is not None:
            lower, values = trial, relaxed.values
        else:
            upper = upper.copy()
            upper[z.start + picks] = 0.0
            relaxed = relaxation.solve(lower, upper)
            if relaxed.reason != "optimal" or relaxed.values is None:
                break
            values = relaxed.values
    shut = values[z] <= TUNING.support_tolerance
    upper = upper.copy()
    upper[z.start + np.flatnonzero(shut & (lower[z] == 0))] = 0.0
    upper[model.families["k"].start + np.flatnonzero((upper[z] == 0)[model.z_of_k])] = 0.0
    return lower, np.maximum(lower, upper)


def lp_dive(
    relaxation: Relaxation,
    lp: backend.RawSolution,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    basis=None,
    deadline: float | None = None,
) -> np.ndarray | None:
    """A plan from LPs alone (the dive without the search): the openings rounded until none
    is fractional, then every size at its LP value rounded to the nearest whole step (or
    else up, or else down), and the pupils placed for those sizes. None when no rounding
    gives a plan (the MIP dive then decides). Each LP starts from the last one's basis, and
    a count of LPs, not a clock, ends it: on Birmingham's 547,000 variables it took 72 s and
    came within 0.26% of the LP bound, where the MIP dive stopped at the time limit."""
    model = relaxation.model
    z, k = model.families["z"], model.families["k"]
    lower, upper = round_and_fix(relaxation, lp, lower, upper, rounds=z.stop - z.start, basis=basis, deadline=deadline)
    if np.any(lower[z] < upper[z]):
        placed = relaxation.solve(lower, upper)
        if placed.reason != "optimal" or placed.values is None:
            return None
        opened = placed.values[z]
        if np.any((opened > TUNING.support_tolerance) & (opened < 1 - TUNING.support_tolerance)):
            return None  # the rounding stopped early (a deadline): the MIP dive finishes it
        upper = upper.copy()
        upper[z] = lower[z] = np.round(opened)
    placed = relaxation.solve(lower, upper)
    if placed.reason != "optimal" or placed.values is None:
        return None
    steps = k.start + np.flatnonzero(model.integer[k])
    values = placed.values[steps]
    for rounded in (
        np.round(values),
        np.ceil(values - TUNING.support_tolerance),
        np.floor(values + TUNING.support_tolerance),
    ):
        sized_lower, sized_upper = lower.copy(), upper.copy()
        sized_lower[steps] = sized_upper[steps] = np.clip(rounded, model.lower[steps], model.upper[steps])
        sized = relaxation.solve(sized_lower, sized_upper)
        if sized.reason == "optimal" and sized.values is not None:
            log.info("dive: openings and sizes rounded by LPs alone")
            return sized.values
    return None


def _objective(model: Model, values: np.ndarray) -> float:
    return float(model.objective @ values)


def solve_by_lp(
    model: Model,
    *,
    solver: str,
    time_limit: float | None,
    relative_gap: float,
    threads: int,
    seed: int,
    hint: np.ndarray | None = None,
    progress=None,
    search: bool = True,
) -> Outcome:
    """Steps 1-4 above on ``model``; every solution returned is a solution of ``model``."""
    started = time.perf_counter()
    stages: dict[str, float] = {}

    def left(share: float = 1.0) -> float | None:
        if time_limit is None:
            return None
        return max(0.05, share * (time_limit - (time.perf_counter() - started)))

    relaxation = Relaxation(model)
    lp = relaxation.solve(time_limit=left(0.3), want_duals=True)
    lp_basis = relaxation.basis
    stages["lp"] = time.perf_counter() - started
    if lp.reason != "optimal" or lp.values is None:
        raw = backend.run(
            model,
            solver=solver,
            time_limit=left(),
            relative_gap=relative_gap,
            threads=threads,
            seed=seed,
            hint=hint,
            progress=progress,
        )
        return Outcome(raw.values, raw.objective, raw.bound, raw.reason, raw.limit, stages)
    bound = lp.objective
    log.info("LP relaxation: bound %.10g in %.2f s", bound, stages["lp"])
    best, best_value = hint, (_objective(model, hint) if hint is not None else math.inf)
    if hint is not None:
        polished = polish(relaxation, hint)
        if polished is not None and _objective(model, polished) < best_value:
            best, best_value = polished, _objective(model, polished)

    t0 = time.perf_counter()
    lower, upper = dive_bounds(model, lp)
    # with the search, half the time is kept for it; without, nothing follows the dive
    deadline = None if time_limit is None else started + (0.5 if search else 1.0) * time_limit
    dive_limit = None
    found = None if search else lp_dive(relaxation, lp, lower, upper, basis=lp_basis, deadline=deadline)
    if found is not None:
        if _objective(model, found) < best_value:
            best, best_value = found, _objective(model, found)
    else:
        rounded = round_and_fix(relaxation, lp, lower, upper, basis=lp_basis, deadline=deadline)
        attempts = [rounded, (lower, upper), (model.lower, fix_support(model, lp))]
        for lower_i, upper_i in attempts:
            raw = backend.run(
                model,
                solver=solver,
                lower=lower_i,
                upper=upper_i,
                time_limit=left(0.5),
                relative_gap=max(relative_gap, TUNING.solver_gap),
                threads=threads,
                seed=seed,
            )
            if raw.limit == "time":
                log.warning("dive: its MIP stopped at the time limit: the plan depends on the machine's speed")
                dive_limit = "time"
            if raw.values is not None and _objective(model, raw.values) < best_value:
                best, best_value = raw.values, _objective(model, raw.values)
            if raw.values is not None:
                break  # the search below improves on it; the next attempts are only for no plan
    stages["dive"] = time.perf_counter() - t0
    log.info(
        "dive: plan %.10g (%.4f%% above the LP bound) in %.2f s",
        best_value,
        100 * (best_value - bound) / max(abs(best_value), 1e-9),
        stages["dive"],
    )
    if progress is not None and math.isfinite(best_value):
        progress(
            {
                "stage": "solve",
                "solver": "dive",
                "seconds": time.perf_counter() - started,
                "incumbent": best_value,
                "bound": bound,
            }
        )
    if best is not None and best_value - bound <= max(relative_gap, TUNING.optimal_gap) * abs(best_value):
        return Outcome(best, best_value, bound, backend.Termination.OPTIMAL, None, stages)
    if not search and best is not None:
        log.info(
            "no search asked for: the dive's plan, within %.4f%% of the LP bound",
            100 * (best_value - bound) / max(abs(best_value), 1e-9),
        )
        return Outcome(best, best_value, bound, backend.Termination.FIRST_PLAN, dive_limit, stages)

    t0 = time.perf_counter()
    fixed_upper, fixed = fix_by_reduced_cost(model, lp, best_value)
    log.info(
        "reduced-cost fixing: %d of %d opening variables fixed closed",
        fixed,
        model.families["z"].stop - model.families["z"].start,
    )
    raw = backend.run(
        model,
        solver=solver,
        upper=fixed_upper,
        hint=best,
        time_limit=left(),
        relative_gap=max(relative_gap, TUNING.solver_gap),
        threads=threads,
        seed=seed,
        progress=progress,
    )
    stages["search"] = time.perf_counter() - t0
    if raw.values is not None and _objective(model, raw.values) < best_value:
        best, best_value = raw.values, _objective(model, raw.values)
    final_bound = max(bound, raw.bound if raw.reason != "infeasible" else best_value)
    return Outcome(best, best_value, min(final_bound, best_value), raw.reason, raw.limit, stages)


def polish(relaxation: Relaxation, values: np.ndarray) -> np.ndarray | None:
    """A plan with the same openings and sizes as ``values`` and the best placements for
    them (an LP): a warm start that moved pupils to the fallback becomes a fair plan."""
    model = relaxation.model
    integer = model.integer
    lower, upper = model.lower.copy(), model.upper.copy()
    rounded = np.round(values[integer])
    lower[integer] = rounded
    upper[integer] = rounded
    raw = relaxation.solve(lower, upper)
    return raw.values if raw.reason == "optimal" else None


def fix_support(model: Model, lp: backend.RawSolution) -> np.ndarray:
    """Upper bounds closing every option the LP does not open at all."""
    upper = model.upper.copy()
    assert lp.values is not None  # the LP solved to optimality
    shut = ~lp_support(model, lp.values)[model.option_of_z]
    z = model.families["z"]
    upper[z.start + np.flatnonzero(shut)] = 0.0
    upper[model.families["k"].start + np.flatnonzero(shut[model.z_of_k])] = 0.0
    return upper
