"""The optimiser core: choose which options to open, when and at what size, and where
every unit of demand is placed, at least total cost, within the rules.

One core, many adapters: :class:`Problem` takes plain arrays of periods, demand groups,
existing facilities, options, sparse arcs and rules; :func:`build_model` builds the model
of :data:`FORMULATION` (inspectable, not solved); :func:`solve` returns a frozen
:class:`Result` with a :class:`Status`. :func:`cflp` and :func:`p_median` build the classic
special cases.
"""

from ..errors import InfeasibleError, ProblemError
from ..model_maths import FORMULATION
from .classic import cflp, p_median
from .core import Arcs, Existing, Groups, Options, Periods, Problem, Rejoins, Rules, Shortfall
from .formulation import TERMS, Model, build_model
from .preprocess import shortfalls
from .result import Result, Status
from .solve import DEFAULT_SOLVER, Plan, solve

__all__ = [
    "DEFAULT_SOLVER",
    "FORMULATION",
    "TERMS",
    "Arcs",
    "Existing",
    "Groups",
    "InfeasibleError",
    "Model",
    "Options",
    "Periods",
    "Plan",
    "Problem",
    "ProblemError",
    "Rejoins",
    "Result",
    "Rules",
    "Shortfall",
    "Status",
    "build_model",
    "cflp",
    "p_median",
    "shortfalls",
    "solve",
]
