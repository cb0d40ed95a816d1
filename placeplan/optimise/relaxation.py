"""A model's LP relaxation held in HiGHS and solved again after its bounds change.

The dive rounds openings one LP after another, and the counterfactuals close one option at
a time; each LP differs from the one before only in a few variables' bounds. From the last
optimal basis HiGHS's dual simplex needs a few hundred pivots for such a change, where a
solve from nothing takes thousands: Kingston and Richmond's rounding LPs take 0.04-0.16 s
each from the last basis against about 1 s each through MathOpt, whose HiGHS interface
rebuilds the solver for every solve and cannot take a starting basis. So these LPs go to
HiGHS directly (``highspy``, the HiGHS project's own Python interface), one solver object
per relaxation, with one thread: a given sequence of bound changes always meets the same
bases and gives the same answers.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .backend import RawSolution, Termination
from .formulation import Model

#: HiGHS model statuses as the rest of the optimiser names solver outcomes (backend.RawSolution).
_REASONS = {
    "kOptimal": (Termination.OPTIMAL, None),
    "kInfeasible": (Termination.INFEASIBLE, None),
    "kUnbounded": (Termination.UNBOUNDED, None),
    "kUnboundedOrInfeasible": (Termination.INFEASIBLE_OR_UNBOUNDED, None),
    "kTimeLimit": (Termination.LIMIT, "time"),
    "kIterationLimit": (Termination.LIMIT, "iteration"),
}


def _solver():
    """A silent HiGHS object with one thread. The plain binding, not ``highspy.Highs``:
    that class prints HiGHS's banner on the process's standard output as it registers its
    callbacks, before any option can be set, and these LPs use no callbacks."""
    from highspy import _core

    highs = _core._Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 0)
    return highs


class Relaxation:
    """The LP relaxation of ``model`` (every variable continuous), loaded once. Each
    :meth:`solve` sets the variables' bounds and starts from the basis the last solve
    ended with, or from the one given and nothing else."""

    def __init__(self, model: Model) -> None:
        from highspy import _core

        self.model = model
        self._highs = _solver()
        lp = _core.HighsLp()
        lp.num_col_, lp.num_row_ = model.num_variables, model.num_constraints
        lp.col_cost_ = np.asarray(model.objective, dtype=float)
        lp.col_lower_ = np.asarray(model.lower, dtype=float)
        lp.col_upper_ = np.asarray(model.upper, dtype=float)
        lp.row_lower_ = np.asarray(model.row_lower, dtype=float)
        lp.row_upper_ = np.asarray(model.row_upper, dtype=float)
        matrix = model.matrix.tocsc()
        matrix.sort_indices()
        lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
        lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = matrix.data.astype(float)
        self._highs.passModel(lp)
        self._lower = np.array(model.lower, dtype=float)
        self._upper = np.array(model.upper, dtype=float)

    @property
    def basis(self):
        """The basis the last solve ended with (to start a later solve from)."""
        return self._highs.getBasis()

    def solve(
        self,
        lower: np.ndarray | None = None,
        upper: np.ndarray | None = None,
        *,
        time_limit: float | None = None,
        basis=None,
        want_duals: bool = False,
    ) -> RawSolution:
        """The LP with these bounds (the model's own where None)."""
        started = time.perf_counter()
        self._set_bounds(self.model.lower if lower is None else lower, self.model.upper if upper is None else upper)
        if basis is not None:
            # HiGHS keeps more than the basis from the last solve (its factorisation and the
            # dual simplex's edge weights), and a degenerate LP's optimum can depend on them:
            # cleared, a solve given a basis depends only on the bounds and that basis, so
            # answers do not depend on which questions a process was asked before.
            self._highs.clearSolver()
            self._highs.setBasis(basis)
        highs = self._highs
        # HiGHS measures its time limit from the solver object's first solve, not this one.
        highs.setOptionValue("time_limit", math.inf if time_limit is None else highs.getRunTime() + time_limit)
        highs.run()
        return self._read(want_duals, time.perf_counter() - started)

    def _set_bounds(self, lower: np.ndarray, upper: np.ndarray) -> None:
        changed = np.flatnonzero((lower != self._lower) | (upper != self._upper))
        if len(changed):
            self._highs.changeColsBounds(
                len(changed), changed.astype(np.int32), lower[changed].astype(float), upper[changed].astype(float)
            )
            self._lower[changed], self._upper[changed] = lower[changed], upper[changed]

    def _read(self, want_duals: bool, seconds: float) -> RawSolution:
        highs = self._highs
        status = highs.getModelStatus()
        reason, limit = _REASONS.get(status.name, (Termination.ERROR, None))
        if reason != "optimal":
            return RawSolution(
                reason, limit, None, math.inf, -math.inf, seconds, detail=highs.modelStatusToString(status)
            )
        solution = highs.getSolution()
        objective = float(highs.getInfo().objective_function_value)
        reduced = duals = None
        if want_duals:
            reduced, duals = np.array(solution.col_dual), np.array(solution.row_dual)
        return RawSolution(
            Termination.OPTIMAL, None, np.array(solution.col_value), objective, objective, seconds, reduced, duals
        )
