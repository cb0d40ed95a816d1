"""The solver's outcome, owned by placeplan: a status enum and a frozen result.

Arrays in a :class:`Result` are aligned with the problem's own arrays (``flow`` with
``problem.arcs``, ``unplaced`` with ``problem.groups``, ``option_*`` with
``problem.options``), so an adapter reads the plan back keyed by its own ids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from ..errors import InfeasibleError
from .backend import Termination
from .core import Problem, Shortfall
from .formulation import TERMS


class Status(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"  # proven optimal (gap <= 1e-6)
    FEASIBLE = "feasible"  # a plan within the requested relative gap, not proven optimal
    TIME_LIMIT = "time_limit"  # stopped by the time limit: best plan found (if any), bound and gap
    INFEASIBLE = "infeasible"  # the rules admit no plan (see Result.shortfalls)
    UNBOUNDED = "unbounded"
    ERROR = "error"  # the solver failed; see Result.message


#: What a result says when the solver proved that no plan keeps the rules.
PROVEN_INFEASIBLE = "the solver proved the rules admit no plan (budgets, counts, forced options or minimum occupancy)"


def status_without_plan(reason: Termination, limit: str | None) -> Status:
    """The status of a solve that ended with no plan: the one mapping from a solver's
    termination to the project's status. Every cost and bound of placeplan's models is
    finite and no cost is negative, so a model a solver calls infeasible or unbounded is
    infeasible."""
    if reason in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED):
        return Status.INFEASIBLE
    if reason == Termination.UNBOUNDED:
        return Status.UNBOUNDED
    return Status.TIME_LIMIT if limit == "time" else Status.ERROR


@dataclass(frozen=True, kw_only=True)
class Result:
    """A plan and how good it is. ``objective``, ``best_bound`` and ``gap`` are NaN when no
    plan was found; ``terms`` split the objective into its cost terms."""

    status: Status
    objective: float
    best_bound: float
    gap: float
    seconds: float
    solver: str
    model_size: dict[str, int]
    terms: dict[str, float]
    option_open: np.ndarray  # (O,) bool
    option_period: np.ndarray  # (O,) opening period, -1 when not opened
    option_size: np.ndarray  # (O,) places (NaN when not opened; inf: uncapacitated)
    flow: np.ndarray  # (A,) units along each arc of problem.arcs
    unplaced: np.ndarray  # (G,) units of each group not placed (fallback)
    shortfalls: tuple[Shortfall, ...] = ()
    message: str = ""
    stages: dict[str, float] = field(default_factory=dict)
    problem: Problem | None = field(default=None, repr=False, compare=False)

    @property
    def has_plan(self) -> bool:
        return not math.isnan(self.objective)

    def raise_if_infeasible(self) -> None:
        if self.status == Status.INFEASIBLE:
            raise InfeasibleError(self.explain(), self.shortfalls)

    def explain(self) -> str:
        """Why there is no plan, in words (empty when there is one)."""
        if self.status != Status.INFEASIBLE:
            return ""
        if not self.shortfalls:
            return self.message or "the rules admit no plan"
        p = self.problem
        lines = ["the rules admit no plan: some demand cannot be placed and its fallback is forbidden"]
        for s in self.shortfalls:
            lines.append("  - " + (s.describe(p.groups.ids, p.facility_ids) if p is not None else str(s)))
        return "\n".join(lines)

    def opened(self) -> pd.DataFrame:
        """The options opened: option index, id, period and size."""
        idx = np.flatnonzero(self.option_open)
        ids = self.problem.options.ids if self.problem is not None else idx
        return pd.DataFrame(
            {
                "option": idx,
                "id": [ids[i] for i in idx],
                "period": self.option_period[idx],
                "size": self.option_size[idx],
            }
        )

    def flows(self, tol: float = 1e-9) -> pd.DataFrame:
        """Arcs carrying flow: arc index, group, facility (combined index) and amount."""
        p = self.problem
        assert p is not None  # every solve attaches its problem
        a = np.flatnonzero(self.flow > tol)
        return pd.DataFrame(
            {"arc": a, "group": p.arcs.group[a], "facility": p.arcs.facility[a], "amount": self.flow[a]}
        )

    def load(self) -> np.ndarray:
        """Units placed at each facility in each period: (F, T)."""
        p = self.problem
        assert p is not None  # every solve attaches its problem
        out = np.zeros((p.facility_count, p.periods.count))
        # an arc's units fill its facility's places in every period they are there
        np.add.at(out, p.arcs.facility, self.flow[:, None] * p.arc_usage())
        return out


def empty_result(
    problem: Problem,
    status: Status,
    *,
    seconds: float,
    solver: str,
    message: str = "",
    shortfalls: tuple[Shortfall, ...] = (),
    bound: float = math.nan,
    model_size: dict[str, int] | None = None,
    stages: dict[str, float] | None = None,
) -> Result:
    O = problem.options.count
    return Result(
        status=status,
        objective=math.nan,
        best_bound=bound,
        gap=math.nan,
        seconds=seconds,
        solver=solver,
        model_size=model_size or {},
        terms=dict.fromkeys(TERMS, math.nan),
        option_open=np.zeros(O, bool),
        option_period=np.full(O, -1),
        option_size=np.full(O, math.nan),
        flow=np.zeros(problem.arcs.count),
        unplaced=np.zeros(problem.groups.count),
        shortfalls=tuple(shortfalls),
        message=message,
        stages=stages or {},
        problem=problem,
    )


def relative_gap(objective: float, bound: float) -> float:
    if math.isnan(objective) or math.isnan(bound):
        return math.nan
    diff = max(0.0, objective - bound)
    return diff / max(abs(objective), 1e-10) if diff > 0 else 0.0
