"""The SEND placement plan: the adapter from a scenario and dataset onto the optimiser core,
and the plan read back as tables (:func:`solve_scenario`, :func:`write_outputs`)."""

from ..errors import NoPlanError
from .run import Solved, solve_scenario, write_outputs

__all__ = ["NoPlanError", "Solved", "solve_scenario", "write_outputs"]
