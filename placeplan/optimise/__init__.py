"""The optimiser core: choose which options to open, when and at what size, and where
every unit of demand is placed, at least total cost, within the rules.

One core, many adapters: :class:`Problem` takes plain arrays of periods, demand groups,
existing facilities, options, sparse arcs and rules; :func:`build_model` builds the model
of :data:`FORMULATION` (inspectable, not solved); :func:`solve` returns a frozen
:class:`Result` with a :class:`Status`. :func:`cflp` and :func:`p_median` build the classic
special cases.
"""

from .classic import cflp, p_median
from .core import (Arcs, Existing, Groups, InfeasibleError, Options, Periods, Problem, ProblemError, Rejoins,
                   Rules, Shortfall)
from .formulation import FORMULATION, TERMS, Model, build_model
from .preprocess import shortfalls
from .result import Result, Status
from .solve import DEFAULT_SOLVER, Plan, solve

__all__ = [
    "Arcs", "DEFAULT_SOLVER", "Existing", "FORMULATION", "Groups", "InfeasibleError", "Model", "Options",
    "Periods", "Plan", "Problem", "ProblemError", "Rejoins", "Result", "Rules", "Shortfall", "Status", "TERMS",
    "build_model", "cflp", "p_median", "shortfalls", "solve",
]
