"""LP relaxation, a restricted MIP for a first plan, and reduced-cost fixing: the strategy
for problems the Lagrangian stage does not cover (several periods, sizes, budgets).

1. Solve the LP relaxation: its objective bounds every plan from below.
2. Restrict the options to those the LP opens at all (its support) and solve that MIP: a
   plan of the full problem, usually within a hair of the bound, because the LP of a
   placement model is tight.
3. Reduced-cost fixing: an opening variable at zero in the LP whose reduced cost exceeds
   (plan - bound) cannot be 1 in any plan better than the one in hand, so it is fixed to 0.
   This is exact: the full problem's optimum is unchanged.
4. The caller solves the full model with those fixings, warm-started from the plan.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from . import backend
from .core import Problem
from .formulation import Model, build_model

log = logging.getLogger(__name__)

SUPPORT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Fixing:
    bound: float                  # LP relaxation bound (-inf when the LP failed)
    upper: np.ndarray | None      # variable upper bounds of ``model`` after fixing (None: no fixing)
    restricted: Problem | None    # the problem with only the LP's options (None when the LP failed)
    fixed: int                    # opening variables fixed to 0
    seconds: float


def lp_support(model: Model, values: np.ndarray) -> np.ndarray:
    """Options the LP opens in some period, even fractionally."""
    z = values[model.families["z"]]
    support = np.zeros(model.problem.options.count, dtype=bool)
    support[model.option_of_z[z > SUPPORT_TOLERANCE]] = True
    return support | model.problem.options.forced


def restrict(problem: Problem, keep: np.ndarray) -> Problem:
    options = problem.options
    return dataclasses.replace(problem, options=dataclasses.replace(options, excluded=options.excluded | ~keep))


def relax(model: Model, *, solver: str = "glop", time_limit: float | None = None) -> backend.RawSolution:
    return backend.run(model, solver=solver, relax=True, time_limit=time_limit, want_duals=True)


def fix_by_reduced_cost(model: Model, lp: backend.RawSolution, upper_bound: float) -> tuple[np.ndarray, int]:
    """Upper bounds with every opening (and its size) variable fixed to 0 whose reduced cost
    proves it cannot be in a plan cheaper than ``upper_bound``."""
    upper = model.upper.copy()
    if lp.reduced_costs is None or not math.isfinite(upper_bound):
        return upper, 0
    z = model.families["z"]
    values, reduced = lp.values[z], lp.reduced_costs[z]
    slack = upper_bound - lp.objective
    # A safety margin for floating point: never fix on a reduced cost within 1e-9 relative.
    fix = (values <= SUPPORT_TOLERANCE) & (reduced > slack + 1e-9 * max(1.0, abs(upper_bound)))
    fix &= model.lower[z] == 0
    upper[z.start + np.flatnonzero(fix)] = 0.0
    upper[model.families["k"].start + np.flatnonzero(fix[model.z_of_k])] = 0.0
    return upper, int(fix.sum())


def prepare(model: Model, *, time_limit: float | None = None) -> tuple[backend.RawSolution | None, Problem | None]:
    """Steps 1 and 2's input: the LP and the problem restricted to its support."""
    started = time.perf_counter()
    lp = relax(model, time_limit=time_limit)
    if lp.reason != "optimal" or lp.values is None:
        log.info("LP relaxation: %s; no fixing", lp.reason)
        return None, None
    support = lp_support(model, lp.values)
    log.info("LP relaxation: bound %.10g in %.2f s; the LP opens %d of %d options",
             lp.objective, time.perf_counter() - started, int(support.sum()),
             int((~model.problem.options.excluded).sum()))
    return lp, restrict(model.problem, support)


def without_linking(problem: Problem) -> Model:
    """The model without the strong linking rows: for several periods and sized options
    they double the LP's size and move its bound very little."""
    return build_model(problem, linking=False)
