"""A plan's openings held as they are, and its pupils placed again: :class:`Placing` for
any plan's openings (what a plan costs in another demand future), :class:`Replacing` for a
plan with some of its options closed.

What a plan loses without one of its options, measured the way facility interdiction
measures the loss of a facility (Church, Scaparra and Middleton, 2004): the option is
closed, every other decision stands (which options open, when and at what size), and the
pupils are placed again at least cost among the places left. With the openings fixed the
placement model is a linear programme, so its optimum is proven exactly, whatever the
machine or its load, and no clock decides it.

Letting other options open in its stead would answer a different question, "the best plan
without it", and that cannot be proven here: the plan itself is only proven within its
relative gap (0.28% of £342m on Kingston and Richmond is about £950,000), and a re-solve
with every other opening fixed and any unchosen option free still ends with gaps of
£190,000 to £560,000 after a minute (HiGHS), far above one option's value.
"""

from __future__ import annotations

import time

import numpy as np

from .core import Problem
from .formulation import Model, build_model, usable_arcs
from .lpfix import LP_SOLVER
from .plans import Plan, as_plan, plan_from_values, plan_objective, result_of_plan, values_from_plan
from .relaxation import Relaxation
from .result import Result, Status, empty_result, status_without_plan


def _linking_needed(problem: Problem) -> np.ndarray:
    """Strong linking rows only where capacity rows do not already keep pupils out of a
    closed option: arcs into uncapacitated options (a capacitated one closed has no places)."""
    arcs = usable_arcs(problem)
    E = problem.existing.count
    facility = problem.arcs.facility[arcs]
    into_option = facility >= E
    uncapacitated = np.zeros(len(arcs), dtype=bool)
    uncapacitated[into_option] = ~problem.options.capacitated[facility[into_option] - E]
    return uncapacitated


class Placing:
    """Any plan's openings held fixed and the pupils placed at least cost (a linear
    programme). The model is built and loaded into the LP solver once; each plan only
    changes the bounds of the opening and size variables, and its LP starts from the basis
    given, or else from the one the last plan's ended with."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.model: Model = build_model(problem, linking=_linking_needed(problem))
        self._integer = np.flatnonzero(self.model.integer)
        self._relaxation = Relaxation(self.model)

    @property
    def basis(self):
        return self._relaxation.basis

    def bounds(self, option_period: np.ndarray, option_size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bounds fixing every opening and size variable as the plan has them (``option_period``
        -1: not opened, and then no places)."""
        model = self.model
        options = self.problem.options.count
        plan = Plan(
            np.zeros(self.problem.arcs.count),
            np.zeros(self.problem.groups.count),
            np.asarray(option_period, np.int64).reshape(options),
            np.asarray(option_size, float).reshape(options),
        )
        fixed = np.round(values_from_plan(model, plan)[self._integer])
        lower, upper = model.lower.copy(), model.upper.copy()
        lower[self._integer] = upper[self._integer] = fixed
        return lower, upper

    def place(
        self,
        option_period: np.ndarray,
        option_size: np.ndarray,
        *,
        basis=None,
        infeasible: str = "the plan's places cannot take every pupil who may not be placed out of area, "
        "or fill a unit to its minimum occupancy",
    ) -> Result:
        """The plan's pupils placed at least cost: ``optimal`` (the LP's optimum: bound and
        objective equal), or ``infeasible`` when the plan cannot meet the rules (places for
        every pupil who may not be placed out of area, each unit's minimum occupancy)."""
        started = time.perf_counter()
        model = self.model
        raw = self._relaxation.solve(*self.bounds(option_period, option_size), basis=basis)
        if raw.reason != "optimal" or raw.values is None:
            status = status_without_plan(raw.reason, raw.limit)
            message = infeasible if status == Status.INFEASIBLE else raw.detail or raw.reason
            return empty_result(
                self.problem,
                status,
                seconds=time.perf_counter() - started,
                solver=LP_SOLVER,
                message=message,
                model_size=model.size(),
            )
        plan = plan_from_values(model, raw.values)
        # A linear programme's optimum is proven: its bound is its objective (taken from the
        # problem's own data, as every plan's cost is, not the solver's rounding of it).
        return result_of_plan(
            self.problem,
            plan,
            bound=plan_objective(self.problem, plan),
            status_reason="optimal",
            started=started,
            solver=LP_SOLVER,
            size=model.size(),
            stages={},
            relative_gap_asked=0.0,
        )


class Replacing:
    """The pupils of ``plan`` placed again with some of its options closed, every other
    opening as the plan has it (:class:`Placing`). Each question starts from the plan's own
    optimal basis, so no answer depends on the questions asked before it."""

    def __init__(self, problem: Problem, plan: Plan | Result) -> None:
        self.problem = problem
        held = as_plan(plan)
        assert held is not None  # only a plan's options can be closed
        self._period, self._size = held.option_period, held.option_size
        self._placing = Placing(problem)
        self.model: Model = self._placing.model
        self._placing.place(self._period, self._size)
        self._start = self._placing.basis

    def without(self, options: list[int] | np.ndarray) -> Result:
        """Options closed, the rest of the plan as it is, pupils placed at least cost:
        ``optimal``, or ``infeasible`` when the places left cannot take the pupils who may
        not fall back."""
        period, size = self._period.copy(), self._size.copy()
        period[np.asarray(options, np.int64)] = -1
        size[np.asarray(options, np.int64)] = np.nan
        return self._placing.place(
            period,
            size,
            basis=self._start,
            infeasible="the places left cannot take every pupil who may not be placed out of area",
        )
